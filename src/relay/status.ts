import type { Upstream } from '../config/relay.js';
import { VerifyTooSoonError } from './errors.js';
import { verifyUpstreams, type VerifyResult } from './verify.js';

/** At most one verification (a login to every upstream) this often, whoever asks. */
export const MIN_VERIFY_INTERVAL_MS = 60_000;

export interface CheckedUpstream extends VerifyResult {
  /** When this result was obtained (ISO 8601). */
  readonly checkedAt: string;
}

/**
 * The last verification of each upstream. Reading it never logs in: a status page, a
 * monitoring poll or an <img> on another site must not lock the provider's account (Gmail
 * and SES lock accounts after a burst of logins). Verifying is an explicit act, at most
 * once a minute; callers that ask while one runs share it.
 */
export class UpstreamChecks {
  readonly #upstreams: readonly Upstream[];
  #results: readonly CheckedUpstream[] | null = null;
  #running: Promise<readonly CheckedUpstream[]> | null = null;
  #startedAt = -Infinity;

  constructor(upstreams: readonly Upstream[]) {
    this.#upstreams = upstreams;
  }

  /** The last result per upstream, in configuration order; null before the first verification. */
  last(): readonly (CheckedUpstream | null)[] {
    return this.#upstreams.map((_, i) => this.#results?.[i] ?? null);
  }

  /** Verifies every upstream now, or throws VerifyTooSoonError within a minute of the last. */
  verifyNow(now = Date.now()): Promise<readonly CheckedUpstream[]> {
    if (this.#running) return this.#running;
    const wait = this.#startedAt + MIN_VERIFY_INTERVAL_MS - now;
    if (wait > 0) return Promise.reject(new VerifyTooSoonError(wait));
    this.#startedAt = now;
    this.#running = verifyUpstreams(this.#upstreams)
      .then((results) => {
        const checkedAt = new Date().toISOString();
        this.#results = results.map((result) => ({ ...result, checkedAt }));
        return this.#results;
      })
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }
}
