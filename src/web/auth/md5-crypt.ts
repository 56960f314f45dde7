import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * MD5-crypt as Poul-Henning Kamp wrote it for FreeBSD: `$1$salt$hash`, and Apache's `$apr1$`
 * (the same algorithm with another magic string), which `htpasswd -m` writes.
 * Kept only to read existing htpasswd files; bcrypt is what new ones should use.
 */
export function md5Crypt(password: string, magic: '$1$' | '$apr1$', salt: string): string {
  const pw = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(salt.slice(0, 8), 'utf8');
  const md5 = (...parts: Buffer[]) => {
    const hash = createHash('md5');
    for (const part of parts) hash.update(part);
    return hash.digest();
  };

  let final = md5(pw, saltBytes, pw);
  const ctx = createHash('md5').update(pw).update(magic).update(saltBytes);
  for (let left = pw.length; left > 0; left -= 16)
    ctx.update(final.subarray(0, Math.min(left, 16)));
  for (let bits = pw.length; bits > 0; bits >>= 1)
    ctx.update(bits & 1 ? Buffer.alloc(1) : pw.subarray(0, 1));
  final = ctx.digest();

  // 1000 rounds, "to slow down a brute-force attack" (in 1994).
  for (let round = 0; round < 1000; round++) {
    const next = createHash('md5');
    next.update(round & 1 ? pw : final);
    if (round % 3) next.update(saltBytes);
    if (round % 7) next.update(pw);
    next.update(round & 1 ? final : pw);
    final = next.digest();
  }

  const groups: Array<[number, number, number]> = [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ];
  let encoded = '';
  for (const [a, b, c] of groups)
    encoded += to64((final[a]! << 16) | (final[b]! << 8) | final[c]!, 4);
  encoded += to64(final[11]!, 2);
  return `${magic}${saltBytes.toString('utf8')}$${encoded}`;
}

function to64(value: number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    text += ITOA64[value & 0x3f];
    value >>= 6;
  }
  return text;
}
