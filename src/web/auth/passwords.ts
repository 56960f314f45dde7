import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { StoredPassword } from '../../config/web.js';
import { md5Crypt } from './md5-crypt.js';

/**
 * Whether `password` matches what the users file stores. Every comparison takes the same
 * time whatever the first differing byte; bcrypt runs asynchronously in slices, so a check
 * (~100 ms at cost 10) never stalls SMTP sessions on the same thread.
 */
export async function checkPassword(stored: StoredPassword, password: string): Promise<boolean> {
  switch (stored.scheme) {
    case 'bcrypt':
      return bcrypt.compare(password, stored.hash);
    case 'apr1':
    case 'md5-crypt': {
      const [, magic, salt] = /^(\$apr1\$|\$1\$)([^$]*)\$/.exec(stored.hash) ?? [];
      return sameText(md5Crypt(password, magic as '$1$' | '$apr1$', salt ?? ''), stored.hash);
    }
    case 'sha1':
      return sameText(`{SHA}${createHash('sha1').update(password).digest('base64')}`, stored.hash);
    case 'plain':
      return sameText(password, stored.hash);
  }
}

/** Constant-time equality of two strings of any length (their digests are compared). */
export function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * A bcrypt hash of a random password at the users file's cost, made once when first needed:
 * an unknown name is checked against it, so that a wrong name takes as long as a wrong
 * password and names cannot be told apart by timing.
 */
export function decoyPassword(users: Iterable<StoredPassword>): () => Promise<StoredPassword> {
  const cost = [...users].find((u) => u.scheme === 'bcrypt')?.hash.slice(4, 6);
  let decoy: Promise<StoredPassword> | undefined;
  return () =>
    (decoy ??= cost
      ? bcrypt.hash(randomText(), Number(cost)).then((hash) => ({ scheme: 'bcrypt', hash }))
      : Promise.resolve({ scheme: 'plain', hash: randomText() }));
}

const randomText = () => randomBytes(24).toString('hex');
