/** Password checks running at once: bcrypt is CPU work on the thread that also serves SMTP. */
const MAX_RUNNING = 4;
/** Checks waiting for a turn; past this a sign-in is refused for now (429), not queued. */
const MAX_WAITING = 64;

/**
 * Runs password checks a few at a time, and one check per credentials: the requests a
 * browser sends at once when it opens the inbox share the first one's result. So a burst
 * of sign-ins, or of wrong guesses from many connections, costs a bounded amount of CPU.
 */
export class CheckQueue {
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  /** The result of `check` for `key`; null when too many are waiting already. */
  run(key: string, check: () => Promise<boolean>): Promise<boolean> | null {
    const shared = this.#inFlight.get(key);
    if (shared) return shared;
    if (this.#running >= MAX_RUNNING && this.#waiting.length >= MAX_WAITING) return null;
    const result = this.#turn()
      .then(check)
      .finally(() => {
        this.#inFlight.delete(key);
        this.#running--;
        this.#waiting.shift()?.();
      });
    this.#inFlight.set(key, result);
    return result;
  }

  #turn(): Promise<void> {
    if (this.#running < MAX_RUNNING) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#waiting.push(() => {
        this.#running++;
        resolve();
      }),
    );
  }
}
