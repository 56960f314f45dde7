/**
 * Bytes of DATA held in memory across every SMTP session: received and not yet written to
 * the database. Past the limit, a new DATA is answered 451 4.3.1 (the client retries) until
 * enough has been written or committed (issue 12). Sessions already in DATA go on: a message
 * holds at most about two staging pieces at a time (receive.ts), whatever its size.
 */
export class InflightBudget {
  readonly limit: number;
  #held = 0;
  #peak = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get held(): number {
    return this.#held;
  }

  /** The most ever held at once (for tests and the benchmark). */
  get peak(): number {
    return this.#peak;
  }

  get full(): boolean {
    return this.#held >= this.limit;
  }

  take(bytes: number): void {
    this.#held += bytes;
    if (this.#held > this.#peak) this.#peak = this.#held;
  }

  give(bytes: number): void {
    this.#held -= bytes;
  }
}
