import { createHmac, randomBytes } from 'node:crypto';

/** How many signed-in credentials are remembered; the oldest is forgotten first. */
const MAX_ENTRIES = 1024;
/** How long a successful check is trusted before the password is checked again. */
const TTL_MS = 10 * 60_000;

/**
 * Successful password checks, so that an EventSource reconnecting or a test suite making
 * thousands of requests pays bcrypt once, not per request. Keys are HMACs under a key made
 * at startup: the memory holds no password, nor a hash that could be attacked offline.
 */
export class CredentialCache {
  readonly #key = randomBytes(32);
  readonly #expiry = new Map<string, number>();

  /** The user name holds no ':' (HTTP Basic splits at the first), so the pair is unambiguous. */
  keyOf(user: string, password: string): string {
    return createHmac('sha256', this.#key).update(`${user}:${password}`).digest('hex');
  }

  has(key: string, now = Date.now()): boolean {
    const expires = this.#expiry.get(key);
    if (expires === undefined) return false;
    if (expires > now) return true;
    this.#expiry.delete(key);
    return false;
  }

  add(key: string, now = Date.now()): void {
    this.#expiry.delete(key);
    if (this.#expiry.size >= MAX_ENTRIES) this.#expiry.delete(this.#expiry.keys().next().value!);
    this.#expiry.set(key, now + TTL_MS);
  }
}
