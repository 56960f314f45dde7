import type { AddressObject, Attachment, ParsedMail } from 'mailparser';
import { decodeEncodedWords, decodeUnlabelled } from './header-text.js';
import { collapseWhitespace, htmlToPlainText } from './html-text.js';
import { readSimpleMessage } from './simple-read.js';
import { walkMessage, type WalkedMail } from './walk.js';
import type {
  Address,
  HeaderField,
  ParsedMessage,
  PartContent,
  PartInfo,
  PartSelector,
  RawSource,
} from './types.js';

const SNIPPET_LENGTH = 200;
// NUL and other control bytes in a body (binary junk, broken base64) mean nothing in a list.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
/** Body text indexed for search; past this a message is still stored whole, only not searchable. */
const SEARCH_TEXT_LIMIT = 128 * 1024;
/** How far into a message that cannot be parsed its header block is looked for. */
const HEADER_BLOCK_LIMIT = 256 * 1024;

const PARSER_OPTIONS = {
  // Sluice rewrites cid: links to part URLs itself; inlining them as data: URIs would
  // copy every inline image into the HTML.
  keepCidLinks: true,
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
} as const;

/**
 * Reads a raw RFC 5322 message. Never rejects: a message that cannot be parsed comes back
 * with `parseError` set and whatever could be read, so the caller can still keep it.
 */
export async function parseMessage(
  raw: RawSource,
  /** `simplePath: false` always uses mailparser (tests hold the two paths equal). */
  options: { readonly simplePath?: boolean } = {},
): Promise<ParsedMessage> {
  let mail: WalkedMail;
  try {
    const simple = options.simplePath === false ? null : readSimple(raw);
    mail = simple ?? (await walkMessage(raw, PARSER_OPTIONS, () => false));
  } catch (error) {
    return await unparsedMessage(raw, error);
  }
  try {
    return toParsedMessage(mail);
  } catch (error) {
    return await unparsedMessage(raw, error);
  }
}

/** A plain text message read without mailparser's streams (simple-read.ts), or null. */
function readSimple(raw: RawSource): WalkedMail | null {
  try {
    return readSimpleMessage(raw);
  } catch {
    // Whatever the short path could not read, mailparser reads (or reports) in full.
    return null;
  }
}

/** Content of one attachment or inline part, by part id or by Content-ID. */
export async function readPart(
  raw: RawSource,
  selector: PartSelector,
): Promise<PartContent | null> {
  // The part's index is known up front for a part id; a Content-ID is matched as parts pass.
  const wanted = (index: number, contentId: string | undefined) =>
    'partId' in selector
      ? index === Number(selector.partId) - 1
      : stripAngles(contentId ?? '') === stripAngles(selector.contentId);
  let mail: ParsedMail;
  try {
    mail = await walkMessage(raw, PARSER_OPTIONS, (index, attachment) =>
      wanted(index, attachment.contentId),
    );
  } catch {
    // A message the parser rejects has no parts to give; it was stored and flagged as such.
    return null;
  }
  const index = mail.attachments.findIndex((a, i) => wanted(i, a.contentId));
  const attachment = mail.attachments[index];
  if (!attachment) return null;
  return { info: toPartInfo(attachment, index), content: attachment.content };
}

function toParsedMessage(mail: WalkedMail): ParsedMessage {
  const html = typeof mail.html === 'string' ? mail.html : null;
  // mailparser gives "" rather than nothing for an HTML-only message; the HTML's words then
  // make the snippet and the search text.
  const text = mail.text || null;
  const bodyText = text?.trim() ? text : html ? htmlToPlainText(html) : (text ?? '');
  const headers = (mail.headerLines ?? []).map(toHeaderField);
  return {
    subject: subjectOf(mail.subject ?? '', headers),
    from: addresses(mail.from)[0] ?? null,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    bcc: addresses(mail.bcc),
    replyTo: addresses(mail.replyTo),
    messageId: mail.messageId ?? null,
    date: dateHeader(headers),
    headers,
    text,
    html,
    parts: mail.attachments.map(toPartInfo),
    snippet: detached(
      collapseWhitespace(
        bodyText.slice(0, SNIPPET_LENGTH * 4).replace(CONTROL_CHARACTERS, ' '),
      ).slice(0, SNIPPET_LENGTH),
    ),
    // Only a cut needs detaching: a whole 100 KB body copied twice through UTF-16 was a
    // fifth of the short path's time and came back as a two-byte string (issue 12).
    searchText:
      bodyText.length > SEARCH_TEXT_LIMIT
        ? detached(bodyText.slice(0, SEARCH_TEXT_LIMIT))
        : bodyText,
    // Read, but not as it was sent: kept and shown like the rest, and flagged.
    parseError: mail.problems.length > 0 ? mail.problems.join('; ') : null,
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): Address[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  const result: Address[] = [];
  const visit = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      else if (entry.address || entry.name)
        result.push({ name: entry.name ?? '', address: entry.address ?? '' });
    }
  };
  for (const object of objects) visit(object.value);
  return result;
}

/** `line` holds the header's bytes one per character, as mailparser keeps them. */
function toHeaderField(line: { key: string; line: string }): HeaderField {
  const text = /[\x80-\xff]/.test(line.line)
    ? decodeUnlabelled(Buffer.from(line.line, 'latin1'))
    : line.line;
  const colon = text.indexOf(':');
  const name = colon >= 0 ? text.slice(0, colon) : line.key;
  const value = colon >= 0 ? text.slice(colon + 1) : '';
  return { name: name.trim(), value: decodeEncodedWords(value.replace(/\r?\n[ \t]/g, ' ').trim()) };
}

/**
 * mailparser reads raw 8-bit header bytes as UTF-8 only, so a Latin-1 Subject comes out
 * with U+FFFD; the headers table's reading (UTF-8, else windows-1252) keeps the letters.
 */
function subjectOf(parsed: string, headers: readonly HeaderField[]): string {
  if (!parsed.includes('\ufffd')) return parsed;
  const own = headers.findLast((h) => h.name.toLowerCase() === 'subject')?.value;
  return own && !own.includes('\ufffd') ? own : parsed;
}

/**
 * The first readable Date header as epoch milliseconds, or null. Not mailparser's `date`:
 * for a Date it cannot read, that is the time of parsing, which would show a made-up date.
 */
function dateHeader(headers: readonly HeaderField[]): number | null {
  for (const header of headers) {
    if (header.name.toLowerCase() !== 'date') continue;
    // RFC 5322 allows comments and spaces around the colons ("09(comment):  55 : 06").
    const cleaned = header.value
      .replace(/\([^()]*\)/g, ' ')
      .replace(/\s*:\s*/g, ':')
      .trim();
    const at = Date.parse(cleaned);
    if (!Number.isNaN(at)) return at;
  }
  return null;
}

function toPartInfo(attachment: Attachment, index: number): PartInfo {
  const disposition = attachment.contentDisposition;
  return {
    partId: String(index + 1),
    filename: attachment.filename ?? null,
    contentType: attachment.contentType || 'application/octet-stream',
    size: attachment.size ?? attachment.content.length,
    contentId: attachment.contentId ? stripAngles(attachment.contentId) : null,
    disposition: disposition === 'attachment' || disposition === 'inline' ? disposition : null,
    related: attachment.related ?? false,
  };
}

function stripAngles(id: string): string {
  return id.trim().replace(/^<|>$/g, '');
}

/**
 * A copy of a short string that does not share the memory of the one it was cut from. V8
 * makes a slice a view that keeps its whole source alive: the snippet and search text of an
 * HTML-only message would keep the plain text of all of its HTML (tens of MB) for as long as
 * the parsed message lives. UTF-16 keeps lone surrogates as they are.
 */
function detached(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}

/** The header block read line by line, so that even an unparseable message has a subject. */
async function unparsedMessage(raw: RawSource, error: unknown): Promise<ParsedMessage> {
  // Only the start is searched: an empty line found from here on would end the block past
  // the limit anyway (4 bytes for "\r\n\r\n" starting just before it).
  const head = await startOf(raw, HEADER_BLOCK_LIMIT + 4);
  // The header block ends at the first empty line, whichever line ending the message uses.
  const ends = [head.indexOf('\n\n'), head.indexOf('\r\n\r\n')].filter((at) => at >= 0);
  const end = Math.min(...ends, HEADER_BLOCK_LIMIT);
  const block = head.subarray(0, end).toString('latin1');
  const headers = block
    .split(/\r?\n(?![ \t])/)
    .filter((line) => line.includes(':'))
    .map((line) => toHeaderField({ key: '', line }));
  const first = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
  return { ...emptyMessage(), subject: first('subject'), headers, parseError: errorText(error) };
}

/** The first `bytes` bytes of a message (fewer if it is shorter), copying at most that many. */
async function startOf(raw: RawSource, bytes: number): Promise<Buffer> {
  if (Buffer.isBuffer(raw)) return raw.subarray(0, bytes);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of raw) {
    if (length >= bytes) break;
    chunks.push(chunk.subarray(0, bytes - length));
    length += Math.min(chunk.length, bytes - length);
  }
  return Buffer.concat(chunks, length);
}

function emptyMessage(): ParsedMessage {
  return {
    subject: '',
    from: null,
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    messageId: null,
    date: null,
    headers: [],
    text: null,
    html: null,
    parts: [],
    snippet: '',
    searchText: '',
    parseError: null,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
