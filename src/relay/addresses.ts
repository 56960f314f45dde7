import { InvalidAddressError } from './errors.js';

// Local part and domain as RFC 5321 allows them in practice; no quotes, comments or
// line breaks, since the address goes into an SMTP command line.
const ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Checks an address typed by a person before it reaches an envelope; returns it trimmed. */
export function checkAddress(text: unknown): string {
  if (typeof text !== 'string') throw new InvalidAddressError('addresses must be strings');
  if (/[\r\n\0]/.test(text)) {
    throw new InvalidAddressError(
      `${JSON.stringify(text.slice(0, 80))} contains a line break or NUL`,
    );
  }
  const address = text.trim();
  if (address.length > 254 || !ADDRESS.test(address)) {
    throw new InvalidAddressError(
      `"${address.slice(0, 80)}" is not an email address (expected name@example.com)`,
    );
  }
  return address;
}
