import type { Address, MessageDetail, MessageSummary, PartInfo } from '../../store/types.js';
import { peerId } from './shapes.js';

/** Mailpit's JSON shapes (Go field names), made from Sluice's summaries and details. */

export const mailpitAddress = (a: Address) => ({ Name: a.name, Address: a.address });

/** From as Mailpit gives it: the header's, else the envelope sender's. */
function fromOf(m: MessageSummary) {
  return mailpitAddress(m.from ?? { name: '', address: m.envelope.mailFrom });
}

/** A list, search, `new` event or webhook item. Arrays are never null (Mailpit's list may send null). */
export function mailpitSummary(m: MessageSummary) {
  return {
    ID: peerId(m.id),
    MessageID: (m.messageId ?? '').replace(/^<|>$/g, ''),
    Read: m.read,
    From: fromOf(m),
    To: m.to.map(mailpitAddress),
    Cc: m.cc.map(mailpitAddress),
    Bcc: m.bcc.map(mailpitAddress),
    ReplyTo: [] as ReturnType<typeof mailpitAddress>[],
    Subject: m.subject,
    Created: m.receivedAt,
    // Who authenticated is in the detail only; lists say "" as for an unauthenticated sender.
    Username: '',
    Tags: m.tags,
    Size: m.size,
    Attachments: m.attachmentCount,
    Snippet: m.snippet,
  };
}

/** An inline part: one the HTML refers to (multipart/related), or marked inline with a Content-ID. */
export function isInlinePart(part: PartInfo): boolean {
  return part.related || (part.disposition === 'inline' && part.contentId !== null);
}

function attachment(part: PartInfo) {
  return {
    PartID: part.partId,
    FileName: part.filename ?? part.contentId ?? '',
    ContentType: part.contentType,
    ContentID: part.contentId ?? '',
    Size: part.size,
  };
}

function header(m: MessageDetail, name: string): string | undefined {
  const lower = name.toLowerCase();
  return m.headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

/** `GET /api/v1/message/{ID}`. `Read` is kept for the PyPI client, which still requires it. */
export function mailpitMessage(m: MessageDetail) {
  const unsubscribe = header(m, 'List-Unsubscribe') ?? '';
  return {
    ...mailpitSummary(m),
    ReplyTo: m.replyTo.map(mailpitAddress),
    Username: m.client.authUser ?? '',
    ReturnPath: (header(m, 'Return-Path') ?? m.envelope.mailFrom).replace(/^<|>$/g, ''),
    ListUnsubscribe: {
      Header: unsubscribe,
      Links: [...unsubscribe.matchAll(/<([^>]+)>/g)].map((link) => link[1]!),
      Errors: '',
      HeaderPost: header(m, 'List-Unsubscribe-Post') ?? '',
    },
    Date: m.date ?? m.receivedAt,
    Text: m.text ?? '',
    HTML: m.html ?? '',
    Inline: m.parts.filter(isInlinePart).map(attachment),
    Attachments: m.parts.filter((p) => !isInlinePart(p)).map(attachment),
  };
}
