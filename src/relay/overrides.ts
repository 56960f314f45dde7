/**
 * Replaces the From header of a raw message and keeps the original in X-Original-From.
 * Everything else (other headers, their order, the body) stays byte for byte.
 */
export function overrideFrom(raw: Buffer, from: string): Buffer {
  const split = headerEnd(raw);
  const head = raw.subarray(0, split).toString('latin1');
  const lines = head.split(/(?<=\r?\n)/);
  const out: string[] = [];
  let original: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (original === null && /^from:/i.test(line)) {
      let field = line;
      while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) field += lines[++i]!;
      original = field.replace(/^from:/i, '');
      const eol = /\r?\n$/.exec(field)?.[0] ?? '\r\n';
      out.push(`From: ${from}${eol}`, `X-Original-From:${original}`);
      continue;
    }
    out.push(line);
  }
  if (original === null) out.unshift(`From: ${from}\r\n`);
  return Buffer.concat([Buffer.from(out.join(''), 'latin1'), raw.subarray(split)]);
}

/** Offset of the blank line that ends the header (or the end of the message). */
function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 2;
  if (lf >= 0) return lf + 1;
  return raw.length;
}
