import libmime from 'libmime';

/** Encoded words are kept short enough that a folded From line stays under 78 characters. */
const ENCODED_WORD_LENGTH = 52;

/**
 * Replaces every From header of a raw message and keeps each original in X-Original-From.
 * A name beyond ASCII is written as RFC 2047 encoded words: header bytes are ASCII here.
 * Everything else (other headers, their order, the body) stays byte for byte.
 */
export function overrideFrom(raw: Buffer, from: string): Buffer {
  const split = headerEnd(raw);
  const head = raw.subarray(0, split).toString('latin1');
  const lines = head.split(/(?<=\r?\n)/);
  const out: string[] = [];
  let replaced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/^from:/i.test(line)) {
      out.push(line);
      continue;
    }
    let field = line;
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) field += lines[++i]!;
    const eol = /\r?\n$/.exec(field)?.[0] ?? '\r\n';
    // The new From goes where the first one was; a second From (RFC 5322 allows one, but
    // mail has more) must not reach the upstream as the sender either.
    if (!replaced) out.push(fromHeader(from, eol));
    replaced = true;
    out.push(`X-Original-From:${field.replace(/^from:/i, '')}`);
  }
  if (!replaced) out.unshift(fromHeader(from, '\r\n'));
  return Buffer.concat([Buffer.from(out.join(''), 'latin1'), raw.subarray(split)]);
}

function fromHeader(from: string, eol: string): string {
  const value = libmime.encodeWords(from, 'Q', ENCODED_WORD_LENGTH);
  return libmime.foldLines(`From: ${value}`, 76).replace(/\r\n/g, eol) + eol;
}

/** Offset of the blank line that ends the header (or the end of the message). */
function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 2;
  if (lf >= 0) return lf + 1;
  return raw.length;
}
