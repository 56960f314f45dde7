/** How an attempt ended, from nodemailer's result or error. */
export type Outcome =
  | { readonly kind: 'sent'; readonly reply: string }
  | { readonly kind: 'transient' | 'permanent'; readonly reply: string };

interface SmtpErrorLike {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  command?: string;
}

/** Node's TLS verification failures: a configuration problem that retrying cannot fix. */
const CERTIFICATE_ERRORS =
  /self[- ]signed|unable to (?:verify|get)|certificate|CERT_|ERR_TLS_CERT|altnames/i;

/**
 * Permanent: a 5xx reply (except 503, a session-state hiccup), failed authentication, a
 * certificate that does not verify. Everything else (4xx, refused or lost connections,
 * timeouts) is transient and retried.
 */
export function classifyError(error: unknown): Outcome {
  const e = (error ?? {}) as SmtpErrorLike;
  const reply = describeError(e);
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return { kind: 'permanent', reply };
  if (e.responseCode && e.responseCode >= 500 && e.responseCode !== 503)
    return { kind: 'permanent', reply };
  if (e.responseCode && e.responseCode >= 400) return { kind: 'transient', reply };
  if (CERTIFICATE_ERRORS.test(e.message ?? '') || e.code === 'ETLS')
    return { kind: 'permanent', reply };
  return { kind: 'transient', reply };
}

/** The upstream's exact reply when there was one, else what went wrong on the way. */
export function describeError(e: SmtpErrorLike): string {
  if (e.response) return e.response;
  return `${e.code ? `${e.code}: ` : ''}${e.message ?? String(e)}`;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly maxAgeMs: number;
}

/**
 * When to try again after `attempts` attempts: exponential with ±20% jitter so that a
 * recovering upstream is not hit by every message at once; null once past the maximum age.
 */
export function nextRetry(
  attempts: number,
  firstQueuedAt: number,
  options: BackoffOptions,
  now = Date.now(),
  random = Math.random,
): Date | null {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempts - 1));
  const delay = base * (0.8 + 0.4 * random());
  if (now + delay - firstQueuedAt > options.maxAgeMs) return null;
  return new Date(now + delay);
}
