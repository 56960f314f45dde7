import type { Random } from './random.js';

// Small helpers for writing messages as bytes. Every builder returns CRLF-terminated bytes.

export const CRLF = '\r\n';

/** One hand-shaped hostile message; `build` may draw from the generator for its details. */
export interface HostileCase {
  readonly name: string;
  build(random: Random): Buffer;
}

/** Header lines, a blank line, then the body; ends with CRLF. */
export function message(headers: readonly string[], body: string | Buffer): Buffer {
  const head = Buffer.from(headers.map((h) => h + CRLF).join('') + CRLF, 'latin1');
  const content = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  return terminate(Buffer.concat([head, content]));
}

/** Appends CRLF unless the bytes already end with it (the DATA terminator needs one). */
export function terminate(raw: Buffer): Buffer {
  const ends = raw.length >= 2 && raw[raw.length - 2] === 0x0d && raw[raw.length - 1] === 0x0a;
  return ends ? raw : Buffer.concat([raw, Buffer.from(CRLF)]);
}

/** The usual top of a test message, with a subject the test can find again. */
export function basicHeaders(subject: string, extra: readonly string[] = []): string[] {
  return [
    'From: Fuzz <fuzz@sender.test>',
    'To: rcpt@rcpt.test',
    `Subject: ${subject}`,
    'Date: Mon, 02 Jun 2025 10:00:00 +0000',
    'MIME-Version: 1.0',
    ...extra,
  ];
}

/** The top headers of a multipart/mixed message with this boundary. */
export function multipartTop(subject: string, boundary: string): string[] {
  return basicHeaders(subject, [`Content-Type: multipart/mixed; boundary="${boundary}"`]);
}

/** Base64 in 76-character lines, as MIME writes it. */
export function base64Lines(data: Buffer): string {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join(CRLF) + CRLF;
}

/** An RFC 2047 encoded word (B encoding) of `text` in `charset`. */
export function encodedWord(text: string | Buffer, charset = 'utf-8'): string {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return `=?${charset}?B?${bytes.toString('base64')}?=`;
}
