import type { Readable } from 'node:stream';
import addressparser from 'nodemailer/lib/addressparser';

/** A line holding only "." (LF or CRLF ended), at the start of the input or after a line end. */
const LONE_DOT = /(^|\n)\.(?:\r?\n|$)/g;

/**
 * Reads the message from stdin. Unless `dotEndsInput` is off (-i), a line holding only "."
 * ends it, and reading stops there as sendmail's does (a caller may keep stdin open).
 */
export async function readMessage(stdin: Readable, dotEndsInput: boolean): Promise<Buffer> {
  // latin1: one character per byte, so the text gives back the exact bytes.
  let text = '';
  for await (const chunk of stdin as AsyncIterable<Buffer>) {
    // A lone dot split across chunks starts at most 3 characters ("\n.\r") before the new one.
    const from = Math.max(0, text.length - 3);
    text += chunk.toString('latin1');
    const end = dotEndsInput ? loneDot(text, from, false) : -1;
    if (end >= 0) return Buffer.from(text.slice(0, end), 'latin1');
  }
  const end = dotEndsInput ? loneDot(text, Math.max(0, text.length - 3), true) : -1;
  return Buffer.from(end >= 0 ? text.slice(0, end) : text, 'latin1');
}

/** Where the message ends before a lone-dot line, or -1; `atEof` also takes "." as the last line. */
function loneDot(text: string, from: number, atEof: boolean): number {
  LONE_DOT.lastIndex = from;
  for (let match = LONE_DOT.exec(text); match; match = LONE_DOT.exec(text)) {
    const closed = match[0].endsWith('\n');
    if (closed || atEof) return match.index + match[1]!.length;
    LONE_DOT.lastIndex = match.index + 1;
  }
  return -1;
}

export interface PreparedMessage {
  readonly raw: Buffer;
  /** To, Cc and Bcc, for -t. */
  readonly headerRecipients: string[];
  /** The From header's first address, the default envelope sender. */
  readonly from: string | null;
}

/** Reads the header block; with `dropBcc` the Bcc header goes, as sendmail -t removes it. */
export function prepareMessage(raw: Buffer, dropBcc: boolean): PreparedMessage {
  const text = raw.toString('latin1');
  const end = /\r?\n\r?\n/.exec(text);
  const headerEnd = end ? end.index + end[0].length : text.length;
  const fields = unfold(text.slice(0, headerEnd));
  const addresses = (names: string[]) =>
    fields
      .filter((field) => names.includes(field.name))
      .flatMap((field) => addressparser(field.value, { flatten: true }))
      .map((mailbox) => mailbox.address)
      .filter((address) => address !== '');
  const bcc = dropBcc ? fields.filter((field) => field.name === 'bcc') : [];
  let kept = raw;
  for (const field of bcc.reverse()) {
    kept = Buffer.concat([kept.subarray(0, field.start), kept.subarray(field.end)]);
  }
  return {
    raw: kept,
    headerRecipients: addresses(['to', 'cc', 'bcc']),
    from: addresses(['from'])[0] ?? null,
  };
}

interface HeaderField {
  readonly name: string;
  readonly value: string;
  /** Byte offsets of the whole field, continuation lines included. */
  readonly start: number;
  readonly end: number;
}

function unfold(header: string): HeaderField[] {
  const fields: HeaderField[] = [];
  const pattern = /^([^\s:]+)[ \t]*:((?:.*)(?:\r?\n[ \t].*)*)\r?\n?/gm;
  for (const match of header.matchAll(pattern)) {
    fields.push({
      name: match[1]!.toLowerCase(),
      value: match[2]!.replace(/\r?\n/g, ''),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return fields;
}
