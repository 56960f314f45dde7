import type { Logger } from '../log/logger.js';

export interface TrafficLogOptions {
  readonly logger: Logger;
  /** How often a summary is written while mail flows; default a minute. */
  readonly summaryEveryMs?: number;
}

/** Refusals logged one line each per window; past it they are only counted (a flood of 5xx). */
const REFUSAL_LINES_PER_WINDOW = 10;
const SUMMARY_EVERY_MS = 60_000;

/**
 * What the operator sees of SMTP traffic at the default log level (issue 10: refused mail
 * left no trace): one line per refusal, with the client and the reason, at most
 * REFUSAL_LINES_PER_WINDOW a window; and a summary line per window while mail flows.
 */
export class TrafficLog {
  readonly #logger: Logger;
  readonly #everyMs: number;
  #stored = 0;
  #refusedByCode = new Map<number, number>();
  #lines = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: TrafficLogOptions) {
    this.#logger = options.logger;
    this.#everyMs = options.summaryEveryMs ?? SUMMARY_EVERY_MS;
  }

  stored(): void {
    this.#stored++;
    this.#tick();
  }

  refused(client: string, code: number, reason: string): void {
    this.#refusedByCode.set(code, (this.#refusedByCode.get(code) ?? 0) + 1);
    if (this.#lines++ < REFUSAL_LINES_PER_WINDOW) {
      this.#logger.warn('refused', { client, code, reason });
    }
    this.#tick();
  }

  /** Writes what is counted now, and stops. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#summarize('until shutdown');
  }

  /** The window starts with the first event after a quiet one. */
  #tick(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (!this.#summarize(`last ${this.#everyMs / 1000} s`)) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }, this.#everyMs);
    this.#timer.unref();
  }

  /** Writes the summary of the window, if anything happened in it; says whether it did. */
  #summarize(window: string): boolean {
    const refused = [...this.#refusedByCode.values()].reduce((sum, n) => sum + n, 0);
    if (this.#stored === 0 && refused === 0) return false;
    const codes = [...this.#refusedByCode]
      .sort(([a], [b]) => a - b)
      .map(([code, n]) => `${code}×${n}`)
      .join(' ');
    const unshown = Math.max(0, this.#lines - REFUSAL_LINES_PER_WINDOW);
    this.#logger.info(`mail ${window}`, {
      stored: this.#stored,
      refused,
      ...(codes ? { codes } : {}),
      ...(unshown ? { unlogged: unshown } : {}),
    });
    this.#stored = 0;
    this.#refusedByCode = new Map();
    this.#lines = 0;
    return true;
  }
}
