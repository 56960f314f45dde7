/** The relay's domain errors; src/web/errors.ts maps them to HTTP. */

/** An address that cannot go into an SMTP envelope (bad syntax, CR/LF). */
export class InvalidAddressError extends Error {
  override name = 'InvalidAddressError';
}

/** The rules forbid sending to these addresses. */
export class RelayDeniedError extends Error {
  override name = 'RelayDeniedError';
  constructor(readonly denied: readonly { address: string; reason: string }[]) {
    super('Refused: ' + denied.map((d) => `${d.address} (${d.reason})`).join('; '));
  }
}

/** Relay is not configured, so nothing can be released. */
export class RelayOffError extends Error {
  override name = 'RelayOffError';
  constructor() {
    super(
      'The relay is off: configure upstreams in the relay: section of --config or SLUICE_RELAY_URL',
    );
  }
}

/** The entry is not in a state that allows this (e.g. cancelling one being sent). */
export class OutboxStateError extends Error {
  override name = 'OutboxStateError';
}

/** Upstreams were verified less than a minute ago; logging in again risks a lockout. */
export class VerifyTooSoonError extends Error {
  override name = 'VerifyTooSoonError';
  constructor(readonly retryAfterMs: number) {
    super(
      `The upstreams were verified less than a minute ago; try again in ${Math.ceil(retryAfterMs / 1000)}s (GET /api/relay/status shows the last result)`,
    );
  }
}
