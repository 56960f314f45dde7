import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import { decodeEncodedWords } from './encoded-words.js';
import { collapseWhitespace, htmlToPlainText } from './html-text.js';
import type { Address, HeaderField, ParsedMessage, PartContent, PartInfo } from './types.js';

const SNIPPET_LENGTH = 200;
/** Body text indexed for search; past this a message is still stored whole, only not searchable. */
const SEARCH_TEXT_LIMIT = 128 * 1024;

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
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, PARSER_OPTIONS);
  } catch (error) {
    return unparsedMessage(raw, error);
  }
  try {
    return toParsedMessage(mail);
  } catch (error) {
    return unparsedMessage(raw, error);
  }
}

/** Content of one attachment or inline part, by part id or by Content-ID. */
export async function readPart(
  raw: Buffer,
  selector: { partId: string } | { contentId: string },
): Promise<PartContent | null> {
  const mail = await simpleParser(raw, PARSER_OPTIONS);
  const index =
    'partId' in selector
      ? Number(selector.partId) - 1
      : mail.attachments.findIndex(
          (a) => stripAngles(a.contentId ?? '') === stripAngles(selector.contentId),
        );
  const attachment = mail.attachments[index];
  if (!attachment) return null;
  return { info: toPartInfo(attachment, index), content: attachment.content };
}

function toParsedMessage(mail: ParsedMail): ParsedMessage {
  const html = typeof mail.html === 'string' ? mail.html : null;
  const text = mail.text ?? null;
  const bodyText = text ?? (html ? htmlToPlainText(html) : '');
  const date =
    mail.date instanceof Date && !Number.isNaN(mail.date.getTime()) ? mail.date.getTime() : null;
  return {
    subject: mail.subject ?? '',
    from: addresses(mail.from)[0] ?? null,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    bcc: addresses(mail.bcc),
    replyTo: addresses(mail.replyTo),
    messageId: mail.messageId ?? null,
    date,
    headers: (mail.headerLines ?? []).map(toHeaderField),
    text,
    html,
    parts: mail.attachments.map(toPartInfo),
    snippet: collapseWhitespace(bodyText.slice(0, SNIPPET_LENGTH * 4)).slice(0, SNIPPET_LENGTH),
    searchText: bodyText.slice(0, SEARCH_TEXT_LIMIT),
    parseError: null,
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

function toHeaderField(line: { key: string; line: string }): HeaderField {
  const colon = line.line.indexOf(':');
  const name = colon >= 0 ? line.line.slice(0, colon) : line.key;
  const value = colon >= 0 ? line.line.slice(colon + 1) : '';
  return { name: name.trim(), value: decodeEncodedWords(value.replace(/\r?\n[ \t]/g, ' ').trim()) };
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

/** The header block read line by line, so that even an unparseable message has a subject. */
function unparsedMessage(raw: Buffer, error: unknown): ParsedMessage {
  const end = raw.indexOf('\n\n') >= 0 ? raw.indexOf('\n\n') : raw.indexOf('\r\n\r\n');
  const block = raw.subarray(0, end >= 0 ? Math.min(end, 256 * 1024) : 256 * 1024).toString('utf8');
  const headers = block
    .split(/\r?\n(?![ \t])/)
    .filter((line) => line.includes(':'))
    .map((line) => toHeaderField({ key: '', line }));
  const first = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
  return { ...emptyMessage(), subject: first('subject'), headers, parseError: errorText(error) };
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
