/**
 * Bytes per second the hub may write to event clients in full, all of them together. Every
 * byte sent on loopback costs a copy in the server and one in the client; 5,000 clients that
 * each get every summary of a 5,000-message burst are 17 GB, more CPU than the ingest itself
 * (issue 12). 64 MB/s is a few per cent of a core; past it, a batch goes to formats that can
 * take it as one `reset` (reason 'burst': reload, then continue) instead of its events.
 * One client never comes near it: that is 90,000 summaries a second.
 */
export const FANOUT_BYTES_PER_SECOND = 64 * 1024 * 1024;
/**
 * Unspent allowance carried over, in seconds of the rate: as long as the longest pause
 * between two flushes (MAX_FLUSH_INTERVAL_MS), so that a hub flushing every few seconds to
 * thousands of clients can still spend its rate, in fewer and larger batches.
 */
export const FANOUT_BURST_SECONDS = 5;

/** A token bucket of bytes, refilled with time. */
export class FanoutBudget {
  readonly #bytesPerSecond: number;
  readonly #capacity: number;
  #allowance: number;
  #refilledAt: number;

  constructor(bytesPerSecond = FANOUT_BYTES_PER_SECOND, now = performance.now()) {
    this.#bytesPerSecond = bytesPerSecond;
    this.#capacity = bytesPerSecond * FANOUT_BURST_SECONDS;
    this.#allowance = this.#capacity;
    this.#refilledAt = now;
  }

  /** What may be sent now. */
  available(now = performance.now()): number {
    const earned = ((now - this.#refilledAt) / 1000) * this.#bytesPerSecond;
    this.#allowance = Math.min(this.#capacity, this.#allowance + earned);
    this.#refilledAt = now;
    return this.#allowance;
  }

  spend(bytes: number): void {
    this.#allowance -= bytes;
  }
}
