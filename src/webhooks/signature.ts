import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature, Stripe-style: `t=<unix seconds>,v1=<hex>`. */
export const SIGNATURE_HEADER = 'Sluice-Signature';

/**
 * HMAC-SHA256 over `timestamp + "." + body` with the webhook's secret. The timestamp is in
 * the signed text so that a receiver can refuse an old delivery replayed by someone else.
 */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, `${timestamp}.${body}`)}`;
}

/**
 * What a receiver does (README shows the same in Node and Python): recompute the HMAC for
 * the header's timestamp, compare in constant time, refuse a timestamp older than `toleranceS`.
 */
export function verifySignature(options: {
  readonly secret: string;
  readonly header: string;
  readonly body: string;
  readonly toleranceS?: number;
  readonly now?: number;
}): boolean {
  const fields = new Map(
    options.header.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(fields.get('t'));
  const given = Buffer.from(fields.get('v1') ?? '', 'hex');
  if (!Number.isSafeInteger(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceS ?? 300)) return false;
  const expected = Buffer.from(hmac(options.secret, `${timestamp}.${options.body}`), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}
