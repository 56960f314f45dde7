import type { Address, MessageDetail, MessageSummary, ReceivedFrom } from './types.js';

/** A `messages` row as SQLite returns it. */
export interface SummaryRow {
  id: number;
  received_at: number;
  mail_from: string;
  rcpt_to: string;
  from_addr: string | null;
  to_addrs: string;
  cc_addrs: string;
  bcc_addrs: string;
  subject: string;
  snippet: string;
  size: number;
  attachment_count: number;
  is_read: number;
  tags: string;
  message_id: string | null;
  date: number | null;
  parse_error: number;
}

export const SUMMARY_COLUMNS =
  'm.id, m.received_at, m.mail_from, m.rcpt_to, m.from_addr, m.to_addrs, m.cc_addrs, m.bcc_addrs, m.subject, ' +
  'm.snippet, m.size, m.attachment_count, m.is_read, m.tags, m.message_id, m.date, m.parse_error';

/** The parts of a message detail kept as JSON beside the raw bytes. */
export type StoredDetail = Pick<
  MessageDetail,
  'replyTo' | 'headers' | 'text' | 'html' | 'parts' | 'client' | 'parseErrorMessage'
>;

export function toSummary(row: SummaryRow): MessageSummary {
  return {
    id: row.id,
    receivedAt: new Date(row.received_at).toISOString(),
    envelope: { mailFrom: row.mail_from, rcptTo: JSON.parse(row.rcpt_to) as string[] },
    from: row.from_addr === null ? null : (JSON.parse(row.from_addr) as Address),
    to: JSON.parse(row.to_addrs) as Address[],
    cc: JSON.parse(row.cc_addrs) as Address[],
    bcc: JSON.parse(row.bcc_addrs) as Address[],
    subject: row.subject,
    snippet: row.snippet,
    size: row.size,
    attachmentCount: row.attachment_count,
    read: row.is_read === 1,
    tags: JSON.parse(row.tags) as string[],
    messageId: row.message_id,
    date: row.date === null ? null : new Date(row.date).toISOString(),
    parseError: row.parse_error === 1,
  };
}

export function toDetail(row: SummaryRow, detailJson: string): MessageDetail {
  const detail = JSON.parse(detailJson) as StoredDetail;
  return { ...toSummary(row), ...detail, client: detail.client satisfies ReceivedFrom };
}

/**
 * Hidden recipients: the Bcc header (rarely sent) plus envelope recipients that no
 * To or Cc header names, which is how a BCC looks on the wire.
 */
export function hiddenRecipients(
  rcptTo: readonly string[],
  headers: { to: readonly Address[]; cc: readonly Address[]; bcc: readonly Address[] },
): Address[] {
  const named = new Set(
    [...headers.to, ...headers.cc, ...headers.bcc].map((a) => a.address.toLowerCase()),
  );
  const hidden = [...headers.bcc];
  for (const address of rcptTo) {
    if (!named.has(address.toLowerCase())) {
      hidden.push({ name: '', address });
      named.add(address.toLowerCase());
    }
  }
  return hidden;
}
