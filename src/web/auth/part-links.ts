import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a signed part link works; reloading the message's HTML signs new ones. */
const LINK_LIFETIME_MS = 12 * 3_600_000;

/**
 * Links to a captured message's inline images that its HTML preview may load without
 * credentials. The preview is a sandboxed frame with an opaque origin: a browser sends it
 * neither cookies nor a Basic sign-in, and its requests look cross-site. So the server signs
 * each image URL when it serves the (signed-in) HTML, and a request bearing a valid signature
 * for exactly that path may load it as an image. Nothing else is reachable that way, and a
 * page elsewhere cannot forge one. The key lives for the process.
 */
export class PartLinks {
  readonly #key = randomBytes(32);

  /** `path?k=EXPIRES.SIGNATURE`, valid for LINK_LIFETIME_MS. `path` is URL-encoded. */
  sign(path: string, now = Date.now()): string {
    const expires = Math.floor((now + LINK_LIFETIME_MS) / 1000);
    return `${path}?k=${expires}.${this.#mac(expires, path)}`;
  }

  /** Whether `k` signs this exact (URL-encoded) path and has not expired. */
  verify(path: string, k: string | undefined, now = Date.now()): boolean {
    const match = /^(\d{1,12})\.([\w-]{43})$/.exec(k ?? '');
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires * 1000 <= now) return false;
    const expected = Buffer.from(this.#mac(expires, path));
    const given = Buffer.from(match[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  #mac(expires: number, path: string): string {
    return createHmac('sha256', this.#key).update(`${expires}\n${path}`).digest('base64url');
  }
}
