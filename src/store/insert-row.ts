import { hiddenRecipients, type StoredDetail } from './rows.js';
import { chunksOf } from '../mail/raw-message.js';
import { rawLength } from './raw-pieces.js';
import { headerSearchText } from './search-fields.js';
import { foldForSearch } from './search-fold.js';
import { tagsOfNewMessage } from './tags.js';
import type {
  Address,
  MessageId,
  MessageSummary,
  NewMessage,
  NewOutboxEntry,
  OutboxDecision,
} from './types.js';

/** A new message turned into the values of its rows, computed before the write lock is taken. */
export interface InsertRow {
  readonly message: Record<string, string | number | null>;
  /** The summary of what is inserted, less the id the insert gives it. */
  readonly summary: Omit<MessageSummary, 'id'>;
  /** The raw bytes as they came, unjoined. */
  readonly raw: readonly Buffer[];
  readonly size: number;
  readonly detail: string;
  /** subject, sender, recipients, cc, body, filenames: folded as the search terms are. */
  readonly search: readonly string[];
  /** Their length together: what the search indexer plans its slices by. */
  readonly searchChars: number;
  /** The relay's decision, inserted with the message. */
  readonly outbox: readonly OutboxDecision[];
  /** The staging key of bytes written before the message was complete (StagedPieces). */
  readonly staged?: number;
  /** From its X-Tags header and plus-addressed recipients. */
  readonly tags: readonly string[];
}

/**
 * `stagedBytes`: bytes of the message already written as staged pieces (StagedPieces);
 * `message.raw` is then only the rest of it.
 */
export function toInsertRow(message: NewMessage, stagedBytes = 0): InsertRow {
  const { parsed, envelope, client } = message;
  const raw = chunksOf(message.raw);
  const size = stagedBytes + rawLength(raw);
  const receivedAt = message.receivedAt ?? new Date();
  const bcc = hiddenRecipients(envelope.rcptTo, parsed);
  const detail: StoredDetail = {
    replyTo: parsed.replyTo,
    headers: parsed.headers,
    text: parsed.text,
    html: parsed.html,
    parts: parsed.parts,
    client,
    parseErrorMessage: parsed.parseError,
  };
  const search = searchFields(message, bcc);
  const attachmentCount = parsed.parts.filter((p) => !p.related).length;
  const tags = tagsOfNewMessage(parsed.headers, [...envelope.rcptTo, ...parsed.to, ...parsed.cc]);
  return {
    message: {
      receivedAt: receivedAt.getTime(),
      mailFrom: envelope.mailFrom,
      rcptTo: JSON.stringify(envelope.rcptTo),
      from: parsed.from ? JSON.stringify(parsed.from) : null,
      to: JSON.stringify(parsed.to),
      cc: JSON.stringify(parsed.cc),
      bcc: JSON.stringify(bcc),
      subject: parsed.subject,
      snippet: parsed.snippet,
      size,
      attachmentCount,
      messageId: parsed.messageId,
      date: parsed.date,
      parseError: parsed.parseError === null ? 0 : 1,
      tags: JSON.stringify(tags),
    },
    summary: {
      receivedAt: receivedAt.toISOString(),
      envelope: { mailFrom: envelope.mailFrom, rcptTo: envelope.rcptTo },
      from: parsed.from,
      to: parsed.to,
      cc: parsed.cc,
      bcc,
      subject: parsed.subject,
      snippet: parsed.snippet,
      size,
      attachmentCount,
      read: false,
      tags,
      messageId: parsed.messageId,
      date: parsed.date === null ? null : new Date(parsed.date).toISOString(),
      parseError: parsed.parseError !== null,
    },
    raw,
    size,
    detail: JSON.stringify(detail),
    search,
    searchChars: search.reduce((sum, text) => sum + text.length, 0),
    outbox: message.outbox ?? [],
    tags,
  };
}

function searchFields(message: NewMessage, bcc: readonly Address[]): string[] {
  const { parsed, envelope } = message;
  const header = headerSearchText({ ...parsed, mailFrom: envelope.mailFrom, bcc });
  return [
    header.subject,
    header.sender,
    header.recipients,
    header.cc,
    foldForSearch(parsed.searchText),
    foldForSearch(parsed.parts.map((p) => p.filename ?? '').join(' ')),
  ];
}

/**
 * The relay's entries of a batch of new messages, with the ids they were given: inserted in
 * the transaction that stores them, on either engine. A message the retention limit dropped
 * in that transaction has none.
 */
export function decisionsOf(
  rows: readonly InsertRow[],
  ids: readonly MessageId[],
  pruned: readonly MessageId[],
): NewOutboxEntry[] {
  const dropped = new Set(pruned);
  return rows.flatMap((row, i) =>
    dropped.has(ids[i]!) ? [] : row.outbox.map((entry) => ({ ...entry, messageId: ids[i]! })),
  );
}
