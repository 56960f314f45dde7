import type { MessageDetail, MessageSummary } from '../../store/types.js';
import { peerId } from './shapes.js';

/** MailDev's JSON shapes (2.x email objects, 3.x summaries), from Sluice's messages. */

const maildevAddresses = (list: readonly { name: string; address: string }[]) =>
  list.map((a) => ({ address: a.address, name: a.name }));

function sizeHuman(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A file name for each part: MailDev's `generatedFileName`, unique within the message. */
export const partFileName = (part: MessageDetail['parts'][number]) =>
  part.filename ?? `part-${part.partId}`;

/** MailDev's email object (2.x fields, plus 3.x's `filename`/`size` on attachments). */
export function maildevEmail(m: MessageDetail) {
  const headers: Record<string, string | string[]> = {};
  for (const h of m.headers) {
    const name = h.name.toLowerCase();
    const prior = headers[name];
    headers[name] = prior === undefined ? h.value : [prior, h.value].flat();
  }
  const attachments = m.parts.map((part) => ({
    contentType: part.contentType,
    contentDisposition: part.disposition ?? 'attachment',
    contentId: part.contentId ?? undefined,
    fileName: partFileName(part),
    filename: partFileName(part),
    generatedFileName: partFileName(part),
    length: part.size,
    size: part.size,
    transformed: true,
  }));
  return {
    id: peerId(m.id),
    // MailDev's `time` is the Date header when there is one.
    time: m.date ?? m.receivedAt,
    read: m.read,
    subject: m.subject,
    messageId: m.messageId ?? undefined,
    priority: 'normal',
    from: m.from ? [{ address: m.from.address, name: m.from.name }] : [],
    to: maildevAddresses(m.to),
    cc: maildevAddresses(m.cc),
    bcc: maildevAddresses(m.bcc),
    replyTo: maildevAddresses(m.replyTo),
    date: m.date ?? undefined,
    receivedDate: m.receivedAt,
    headers,
    text: m.text ?? '',
    html: m.html ?? '',
    attachments: attachments.length > 0 ? attachments : null,
    envelope: {
      from: { address: m.envelope.mailFrom, args: false },
      to: m.envelope.rcptTo.map((address) => ({ address, args: false })),
      host: m.client.helo,
      remoteAddress: m.client.address,
    },
    size: m.size,
    sizeHuman: sizeHuman(m.size),
    calculatedBcc: maildevAddresses(m.bcc),
  };
}

export function summaryItem(m: MessageSummary) {
  return {
    id: peerId(m.id),
    time: m.date ?? m.receivedAt,
    read: m.read,
    subject: m.subject,
    size: m.size,
    sizeHuman: sizeHuman(m.size),
    from: m.from ? [{ address: m.from.address, name: m.from.name }] : [],
    to: maildevAddresses(m.to),
    cc: maildevAddresses(m.cc),
    attachmentCount: m.attachmentCount,
    preview: m.snippet,
  };
}
