import { base64Lines, basicHeaders, CRLF, type HostileCase } from './mime-build.js';
import { STRUCTURE_CASES } from './mime-structure-cases.js';
import { ENCODED_WORD_CASES, ENCODING_CASES, HEADER_CASES, LINE_CASES } from './mime-text-cases.js';

/** Every hand-shaped case, grouped as the issue lists them. */
export const HOSTILE_CASES: readonly HostileCase[] = [
  ...STRUCTURE_CASES,
  ...HEADER_CASES,
  ...LINE_CASES,
  ...ENCODING_CASES,
  ...ENCODED_WORD_CASES,
];

/**
 * A message of at most `size` bytes whose body is base64 "A"s: the most decoded zeros SMTP
 * can carry. `zeros` is how many bytes the body decodes to.
 */
export function base64Zeros(size: number): { raw: Buffer; zeros: number } {
  const head = Buffer.from(
    basicHeaders('base64 zeros', [
      'Content-Type: application/octet-stream; name="zeros.bin"',
      'Content-Disposition: attachment; filename="zeros.bin"',
      'Content-Transfer-Encoding: base64',
    ])
      .map((h) => h + CRLF)
      .join('') + CRLF,
  );
  const line = Buffer.from(base64Lines(Buffer.alloc(57)).trimEnd() + CRLF);
  const count = Math.floor((size - head.length) / line.length);
  const body = Buffer.alloc(count * line.length);
  for (let i = 0; i < count; i++) line.copy(body, i * line.length);
  return { raw: Buffer.concat([head, body]), zeros: count * 57 };
}
