import { StorageFullError } from '../errors.js';
import { decisionsOf, type InsertRow } from '../insert-row.js';
import { piecesOf, PIECE_BYTES } from '../raw-pieces.js';
import type { SummaryRow } from '../rows.js';
import type { MessageId, OutboxEntry } from '../types.js';
import type { Queryable, ReservedSql, TransactionSql } from './connection.js';
import { insertEntries } from './outbox.js';
import { searchText } from './search-plan.js';
import type { PgStaging } from './staging.js';

/** Advisory lock class for inserts; the second key is the schema's hash. */
const INSERT_LOCK = 0x51c3_0002;
/** A summary row's share of the size budget beyond its text: keys, numbers, index entries. */
const ROW_OVERHEAD_BYTES = 200;

export interface InsertOptions {
  readonly schema: string;
  /** 0 = unlimited. */
  readonly maxMessages: number;
  /** 0 = no budget. */
  readonly maxBytes: number;
  /** Where the pieces of messages staged while their DATA arrived are (InsertRow.staged). */
  readonly staging: PgStaging;
  /** The NOTIFY channel, and the payloads that announce what the insert did. */
  readonly channel: string;
  readonly notices: (inserted: Inserted) => readonly string[];
}

export interface Inserted {
  readonly rows: SummaryRow[];
  /** Messages the --max-messages limit removed to make room. */
  readonly pruned: MessageId[];
  /** The relay's entries for the new messages (NewMessage.outbox), in the same transaction. */
  readonly outbox: OutboxEntry[];
}

/**
 * Stores a batch of messages in a transaction of its own, which it begins and commits on
 * `conn`. The insert lock is held from taking the ids to the commit, so ids become visible
 * in the order they were given: a client that has seen message N (a live event, a page) can
 * ask for everything after N and miss nothing, whichever instance stored what. Instances
 * take turns per batch. The relay's decisions go in last, for the messages the retention
 * limit kept.
 *
 * Statements sent together run in order and answer together, and each round trip wakes
 * both processes, which costs more than the statements on a busy machine: BEGIN, the lock,
 * the ids and the counts go in one; the rows, NOTIFY and COMMIT in a second. Only a batch
 * that must make room under --max-messages, or has relay entries (whose ids the notices
 * name), waits for those answers before it commits. (postgres.js sends a query when it
 * is awaited: Promise.all sends them in this order.)
 */
export async function insertMessages(
  conn: ReservedSql,
  rows: readonly InsertRow[],
  options: InsertOptions,
): Promise<Inserted> {
  const sizes = rows.map(storedBytes);
  const [, , numbered, [counts]] = await settled([
    conn`BEGIN`,
    conn`SELECT pg_advisory_xact_lock(${INSERT_LOCK}, hashtext(${options.schema}))`,
    conn<{ id: number }[]>`
      SELECT nextval('messages_id_seq') AS id FROM generate_series(1, ${rows.length}) ORDER BY 1`,
    conn<{ total: number; stored_bytes: number }[]>`
      SELECT total, stored_bytes FROM message_counts`,
  ]);
  if (options.maxBytes > 0) checkBudget(counts!.stored_bytes, sizes, options.maxBytes);
  const ids = numbered.map((r) => r.id);
  const summaries = rows.map((row, i) => summaryOf(ids[i]!, row));
  const pieces = await insertPieces(conn, rows, ids, options.staging);
  const messages = summaries.map((s, i) => ({ ...columnsOf(s), stored_bytes: sizes[i]! }));
  const tags = rows.flatMap((row, i) => row.tags.map((tag) => ({ tag, message_id: ids[i]! })));
  const writes = [
    conn`INSERT INTO messages ${conn(messages)}`,
    conn`INSERT INTO message_bodies ${conn(rows.map((row, i) => bodyRow(ids[i]!, row, pieces[i]!)))}`,
    conn`INSERT INTO search_pending ${conn(rows.map((row, i) => pendingRow(ids[i]!, row)))}`,
    ...(tags.length > 0 ? [conn`INSERT INTO message_tags ${conn(tags)}`] : []),
  ];
  // Under the lock nobody else adds messages: the count says whether any must go.
  const mustPrune = options.maxMessages > 0 && counts!.total + rows.length > options.maxMessages;
  if (!mustPrune && rows.every((row) => row.outbox.length === 0)) {
    const inserted = { rows: summaries, pruned: [], outbox: [] };
    await commitAfter(conn, [...writes, notify(conn, options, inserted)]);
    return inserted;
  }
  // After the rows: the prune counts them.
  const results = await settled([
    ...writes,
    mustPrune ? pruneQuery(conn, options.maxMessages) : Promise.resolve([]),
  ]);
  const dropped = idsOf(results.at(-1) as { id: number }[]);
  const outbox = await insertEntries(conn, decisionsOf(rows, ids, dropped), Date.now());
  const inserted = { rows: summaries, pruned: dropped, outbox };
  await commitAfter(conn, [notify(conn, options, inserted)]);
  return inserted;
}

function notify(conn: ReservedSql, options: InsertOptions, inserted: Inserted) {
  const payloads = options.notices(inserted);
  if (payloads.length === 0) return Promise.resolve([]);
  return conn`SELECT pg_notify(${options.channel}, p) FROM unnest(${payloads as string[]}::text[]) AS p`;
}

/**
 * Sends `queries` and COMMIT after them, in this order: a query is sent when it is awaited,
 * so COMMIT is one of the list, never awaited on its own first. COMMIT after a failed
 * statement answers ROLLBACK: never a success.
 */
async function commitAfter(conn: ReservedSql, queries: readonly Promise<unknown>[]) {
  const results = await settled([...queries, conn`COMMIT`]);
  const done = results.at(-1) as { command?: string };
  if (done.command !== 'COMMIT') throw new Error('PostgreSQL rolled the insert back');
}

/**
 * Promise.all that waits for every statement sent before it throws the first failure, so
 * that the caller's ROLLBACK goes after all of them and the connection is idle when freed.
 */
async function settled<T extends readonly unknown[]>(
  queries: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(queries);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as never;
}

/** Deletes the oldest messages past the limit; rows another transaction holds are left to it. */
export async function pruneToLimit(tx: TransactionSql, maxMessages: number): Promise<MessageId[]> {
  return idsOf(await pruneQuery(tx, maxMessages));
}

/** The prune as a query not yet sent, to go in order with others (queries run when awaited). */
function pruneQuery(tx: Queryable, maxMessages: number) {
  return tx<{ id: number }[]>`
    DELETE FROM messages WHERE id IN (
      SELECT id FROM messages ORDER BY id
      LIMIT greatest((SELECT total FROM message_counts) - ${maxMessages}, 0)
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
}

const idsOf = (rows: readonly { id: number }[]) => rows.map((r) => r.id).sort((a, b) => a - b);

function checkBudget(held: number, sizes: readonly number[], maxBytes: number): void {
  const incoming = sizes.reduce((sum, n) => sum + n, 0);
  if (held + incoming > maxBytes) {
    throw new StorageFullError(
      `the database holds ${held} bytes of mail; --max-db-size allows ${maxBytes}`,
    );
  }
}

/**
 * Raw bytes past a piece's size go in pieces of their own, one statement each (a 50 MB
 * message is never one parameter); returns each message's number of pieces (0: in its body row).
 */
async function insertPieces(
  tx: Queryable,
  rows: readonly InsertRow[],
  ids: readonly number[],
  staging: PgStaging,
): Promise<number[]> {
  const counts: number[] = [];
  for (const [i, row] of rows.entries()) {
    if (row.staged !== undefined) {
      counts.push(await staging.takeOver(tx, row.staged, ids[i]!, row.raw));
      continue;
    }
    let seq = 0;
    if (row.size > PIECE_BYTES) {
      for (const data of piecesOf(row.raw)) {
        await tx`INSERT INTO message_raw_pieces (id, seq, data) VALUES (${ids[i]!}, ${seq++}, ${data})`;
      }
    }
    counts.push(seq);
  }
  return counts;
}

function bodyRow(id: MessageId, row: InsertRow, pieces: number) {
  const raw =
    pieces > 0
      ? Buffer.alloc(0)
      : row.raw.length === 1
        ? row.raw[0]!
        : Buffer.concat(row.raw, row.size);
  return { id, raw, detail: row.detail, raw_pieces: pieces };
}

/** The summary as the list will read it back (so that the event needs no second query). */
function summaryOf(id: MessageId, row: InsertRow): SummaryRow {
  const m = row.message;
  return {
    id,
    received_at: m.receivedAt as number,
    mail_from: withoutNul(m.mailFrom as string),
    rcpt_to: m.rcptTo as string,
    from_addr: m.from as string | null,
    to_addrs: m.to as string,
    cc_addrs: m.cc as string,
    bcc_addrs: m.bcc as string,
    subject: withoutNul(m.subject as string),
    snippet: withoutNul(m.snippet as string),
    size: m.size as number,
    attachment_count: m.attachmentCount as number,
    is_read: 0,
    tags: m.tags as string,
    message_id: withoutNul(m.messageId as string | null),
    date: m.date as number | null,
    parse_error: m.parseError as number,
  };
}

function columnsOf(s: SummaryRow) {
  return { ...s, is_read: s.is_read === 1, parse_error: s.parse_error === 1 };
}

function pendingRow(id: MessageId, row: InsertRow) {
  return { id, text: withoutNul(searchText(row.search)), chars: row.searchChars };
}

/** PostgreSQL's text cannot hold U+0000 (SQLite's can): it is shown as U+FFFD instead. */
function withoutNul<T extends string | null>(text: T): T {
  return (text?.replaceAll('\0', '\uFFFD') ?? null) as T;
}

/** What a message takes in the tables, as --max-db-size counts it. */
function storedBytes(row: InsertRow): number {
  const text = Object.values(row.message).reduce<number>(
    (sum, value) => sum + (typeof value === 'string' ? value.length : 8),
    0,
  );
  return row.size + row.detail.length + row.searchChars + text + ROW_OVERHEAD_BYTES;
}
