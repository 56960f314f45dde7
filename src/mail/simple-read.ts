import { MailParser, type ParsedMail } from 'mailparser';
import type { WalkedMail } from './walk.js';
import type { RawSource } from './types.js';

/**
 * Past this a message is left to mailparser whatever its shape: joining its chunks into one
 * buffer would cost more than the stream machinery this path saves.
 */
export const SIMPLE_MAX_BYTES = 1024 * 1024;
/** A header block longer than this is not looked at here. */
const HEADER_LIMIT = 64 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n');
/** A byte outside printable ASCII and tab, a CR not before LF, or an LF not after CR. */
const UNUSUAL_HEADER_BYTES = /[^\t\r\n\x20-\x7e]|\r(?!\n)|(?<!\r)\n/;
/** A field name (RFC 5322 2.2: printable ASCII but the colon) right before its colon. */
const FIELD_NAME = /^[!-9;-~]+:/;
const PLAIN_TEXT = /^\s*text\/plain\s*(;\s*charset\s*=\s*("?)(us-ascii|utf-8)\2\s*)?;?\s*$/i;
const IDENTITY_ENCODING = /^\s*(7bit|8bit)\s*$/i;

/** mailparser's own reading of header fields (addresses, Subject, Message-ID), unexported. */
type HeaderReader = { processHeaders(lines: HeaderLine[]): Map<string, unknown> };
/** One per thread, never written to: only its `processHeaders` is used. */
let headerReader: HeaderReader | undefined;

/**
 * The most common message there is, read without mailparser's streams: one text/plain part
 * (no Content-Type, or text/plain in US-ASCII or UTF-8) in 7bit or 8bit, with an ASCII
 * header block in CRLF lines. For it mailparser gives the body's text with LF line ends and
 * its header fields read by `processHeaders`, which is called here too; so the result is
 * mailparser's own, and the corpus test holds the two paths equal. Everything else (MIME
 * parts, encodings, charsets, any doubt) is null, and goes to mailparser.
 *
 * Why: a 2 KB message took ~250 µs of CPU in mailparser's stream pipeline (a Transform per
 * node, a splitter, decoders) and its garbage; this reads it in ~20 µs (issue 12).
 */
export function readSimpleMessage(raw: RawSource): WalkedMail | null {
  const bytes = wholeMessage(raw);
  if (!bytes) return null;
  const end = bytes.subarray(0, HEADER_LIMIT).indexOf(HEADER_END);
  if (end < 0) return null;
  const block = bytes.toString('latin1', 0, end);
  if (UNUSUAL_HEADER_BYTES.test(block)) return null;
  const lines = headerLines(block);
  if (!lines || !simpleStructure(lines)) return null;
  headerReader ??= new MailParser() as unknown as HeaderReader;
  const headers = headerReader.processHeaders(lines);
  const mail: Record<string, unknown> = { headers, headerLines: lines, attachments: [] };
  // The fields walk.ts copies from the headers, named as mailparser names them.
  for (const [key, name] of FIELDS) if (headers.has(key)) mail[name] = headers.get(key);
  // As mailparser: the body's bytes as UTF-8 (US-ASCII is not converted), LF line ends, and
  // no text at all for an empty body.
  const text = bytes.toString('utf8', end + HEADER_END.length).replace(/\r?\n/g, '\n');
  if (text) mail.text = text;
  return Object.assign(mail as unknown as ParsedMail, { problems: [] });
}

const FIELDS = [
  ['subject', 'subject'],
  ['date', 'date'],
  ['to', 'to'],
  ['from', 'from'],
  ['cc', 'cc'],
  ['bcc', 'bcc'],
  ['message-id', 'messageId'],
  ['in-reply-to', 'inReplyTo'],
  ['reply-to', 'replyTo'],
] as const;

/** The message as one buffer, when it is one or a few chunks of at most SIMPLE_MAX_BYTES. */
function wholeMessage(raw: RawSource): Buffer | null {
  if (Buffer.isBuffer(raw)) return raw.length <= SIMPLE_MAX_BYTES ? raw : null;
  // A source read on demand (a staged message) is large by definition.
  if (!Array.isArray(raw)) return null;
  const chunks = raw as readonly Buffer[];
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  if (size > SIMPLE_MAX_BYTES) return null;
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

type HeaderLine = { key: string; line: string };

/** The header block's fields as mailsplit gives them: folded lines joined with CRLF. */
function headerLines(block: string): HeaderLine[] | null {
  const lines: HeaderLine[] = [];
  for (const line of block.split('\r\n')) {
    const last = lines.at(-1);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!last) return null;
      last.line += `\r\n${line}`;
    } else if (FIELD_NAME.test(line)) {
      lines.push({ key: line.slice(0, line.indexOf(':')).toLowerCase().trim(), line });
    } else {
      // Not a header field: an mbox "From " line, a broken header. mailparser decides.
      return null;
    }
  }
  return lines.length > 0 ? lines : null;
}

/** One text/plain part in an identity encoding, with no disposition (which could make it a file). */
function simpleStructure(lines: readonly HeaderLine[]): boolean {
  const only = (key: string) => {
    const found = lines.filter((line) => line.key === key);
    return found.length > 1 ? null : (found[0]?.line ?? '');
  };
  const value = (line: string) => line.slice(line.indexOf(':') + 1).replace(/\r\n/g, '');
  const type = only('content-type');
  const encoding = only('content-transfer-encoding');
  if (type === null || encoding === null) return false;
  if (lines.some((line) => line.key === 'content-disposition')) return false;
  if (type && !PLAIN_TEXT.test(value(type))) return false;
  return !encoding || IDENTITY_ENCODING.test(value(encoding));
}
