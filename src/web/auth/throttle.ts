/** Wrong credentials a client may send before it has to wait. */
const FREE_FAILURES = 5;
const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 60_000;
/** A client quiet this long starts afresh. */
const FORGET_MS = 15 * 60_000;
/** Clients tracked at once; the longest-quiet is forgotten first, so memory stays bounded. */
const MAX_CLIENTS = 10_000;

interface Record {
  failures: number;
  blockedUntil: number;
  last: number;
}

/**
 * Slows down guessing: after five wrong passwords or tokens a client (by IP address) waits,
 * one second and then twice as long after each further failure, up to a minute. A success
 * clears it. Behind a reverse proxy every client shares the proxy's address; people already
 * signed in are not affected (their check is cached), only new sign-ins wait.
 */
export class FailureThrottle {
  readonly #clients = new Map<string, Record>();

  /** Milliseconds the client must still wait; 0 when it may try. */
  waitFor(client: string, now = Date.now()): number {
    const record = this.#clients.get(client);
    if (!record) return 0;
    if (now - record.last > FORGET_MS) {
      this.#clients.delete(client);
      return 0;
    }
    return Math.max(0, record.blockedUntil - now);
  }

  failed(client: string, now = Date.now()): void {
    const record = this.#clients.get(client) ?? { failures: 0, blockedUntil: 0, last: now };
    record.failures++;
    record.last = now;
    if (record.failures >= FREE_FAILURES) {
      const wait = Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (record.failures - FREE_FAILURES));
      record.blockedUntil = now + wait;
    }
    // Re-inserted, so that the map's order is oldest-failure first.
    this.#clients.delete(client);
    if (this.#clients.size >= MAX_CLIENTS) this.#clients.delete(this.#clients.keys().next().value!);
    this.#clients.set(client, record);
  }

  succeeded(client: string): void {
    this.#clients.delete(client);
  }
}
