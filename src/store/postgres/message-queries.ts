import { MessageNotFoundError } from '../errors.js';
import { COUNT_CAP } from '../list-queries.js';
import { toDetail, toSummary, type SummaryRow } from '../rows.js';
import type {
  ListOptions,
  ListResult,
  MessageDetail,
  MessageId,
  MessageSummary,
  SearchText,
  Selection,
  StoreIdentity,
} from '../types.js';
import type { Queryable } from './connection.js';
import { fragment, join, numbered, where, type Fragment } from './fragment.js';
import {
  BUCKET_IDS,
  bucketOf,
  planSearch,
  searchFieldsOf,
  type SearchPlan,
} from './search-plan.js';

/** The summary columns, shaped as SQLite returns them so that rows.ts reads both. */
export const SUMMARY_COLUMNS =
  'm.id, m.received_at, m.mail_from, m.rcpt_to, m.from_addr, m.to_addrs, m.cc_addrs, m.bcc_addrs, ' +
  'm.subject, m.snippet, m.size, m.attachment_count, m.is_read::int AS is_read, m.tags, ' +
  'm.message_id, m.date, m.parse_error::int AS parse_error';

interface Hit {
  readonly id: number;
  readonly is_read: boolean;
}

type Counts = Pick<ListResult, 'total' | 'unread' | 'totalCapped'>;

/** Runs a fragment unprepared: a search's plan depends on its terms, which a generic plan ignores. */
export async function run<T>(q: Queryable, query: Fragment): Promise<T[]> {
  const { text, values } = numbered(query);
  return (await q.unsafe(text, values as never[], { prepare: false })) as unknown as T[];
}

/**
 * A page of messages, newest first, with the counts of what matches. Searches count the
 * newest COUNT_CAP + 1 matches (as SQLite does, see list-queries.ts); the whole mailbox
 * is counted by triggers.
 */
export async function listMessagePage(q: Queryable, options: ListOptions): Promise<ListResult> {
  const plan = planSearch(options.query);
  const pageSize = options.limit + 1;
  // The peers' APIs page by position: the page is the rows after `offset` matches.
  const offset = options.offset ?? 0;
  let rows: SummaryRow[];
  let counts: Counts;
  if (plan.textConditions.length === 0 && plan.messageConditions.length === 0) {
    [rows, counts] = await Promise.all([
      run<SummaryRow>(q, matches(plan, SUMMARY_COLUMNS, options, pageSize, offset)),
      q<Counts[]>`SELECT total, unread FROM message_counts`.then(([c]) => c!),
    ]);
  } else {
    const wanted = Math.max(COUNT_CAP + 1, pageSize);
    const hits = await newestMatches<Hit>(q, plan, 'm.id, m.is_read', {}, wanted);
    counts = countHits(hits);
    const firstPage = options.before === undefined && options.after === undefined;
    rows =
      firstPage && offset + pageSize <= wanted
        ? // The page is within the counted matches: one pass finds both.
          await summaries(
            q,
            hits.slice(offset, offset + pageSize).map((h) => h.id),
            'DESC',
          )
        : (
            await newestMatches<SummaryRow>(q, plan, SUMMARY_COLUMNS, options, offset + pageSize)
          ).slice(offset);
  }
  const messages = rows.slice(0, options.limit).map(toSummary);
  return {
    messages,
    ...counts,
    nextCursor: rows.length > options.limit ? messages[messages.length - 1]!.id : null,
  };
}

type Cursor = Pick<ListOptions, 'before' | 'after'>;

/**
 * The newest `limit` matches. A term the trigram index serves is looked for bucket by
 * bucket, newest first, one bucket, then one, two, four...: the index gives the candidates
 * of those buckets only, and the walk stops once it has enough. A word in 1% of a million
 * messages is then read in its newest thousand matches, not all ten thousand.
 *
 * Each bucket is its own query, `bucket = N`, sent together: the index finds one bucket
 * exactly, where a range (`bucket BETWEEN`) is two open-ended conditions that each read
 * the entries of half the table (50 ms at a million, whatever the term). Past
 * MAX_BUCKET_QUERIES at once the term is rare: the rest is one query on the term alone.
 */
async function newestMatches<T>(
  q: Queryable,
  plan: SearchPlan,
  columns: string,
  cursor: Cursor,
  limit: number,
): Promise<T[]> {
  if (!plan.indexed) return run<T>(q, matches(plan, columns, cursor, limit));
  const [newest] = await q<{ id: number | null }[]>`SELECT max(id) AS id FROM messages`;
  const top = Math.min(newest?.id ?? 0, (cursor.before ?? Infinity) - 1);
  const bottom = bucketOf((cursor.after ?? 0) + 1);
  const found: T[] = [];
  for (let hi = bucketOf(top), width = 1; hi >= bottom && found.length < limit; width *= 2) {
    const lo = width > MAX_BUCKET_QUERIES ? bottom : Math.max(bottom, hi - width + 1);
    const windows =
      width > MAX_BUCKET_QUERIES
        ? [{ lo, hi }]
        : Array.from({ length: hi - lo + 1 }, (_, k) => ({ lo: hi - k, hi: hi - k }));
    const wanted = limit - found.length;
    const pages = await Promise.all(
      windows.map((window) => run<T>(q, matches(plan, columns, cursor, wanted, 0, window))),
    );
    for (const page of pages) found.push(...page.slice(0, limit - found.length));
    hi = lo - 1;
  }
  return found;
}

/** Buckets asked for at once, one query each; the walk's widest step. */
const MAX_BUCKET_QUERIES = 16;

/** `SELECT <columns>` of the newest `limit` messages that match, within the cursor's bounds. */
function matches(
  plan: SearchPlan,
  columns: string,
  cursor: Cursor,
  limit: number,
  offset = 0,
  buckets?: { lo: number; hi: number },
): Fragment {
  const bounds = [
    ...(cursor.before === undefined ? [] : [fragment('m.id < ?', cursor.before)]),
    ...(cursor.after === undefined ? [] : [fragment('m.id > ?', cursor.after)]),
  ];
  return join([
    fragment(`SELECT ${columns} FROM messages m`),
    ...(plan.textConditions.length ? [searchText(buckets)] : []),
    where([...plan.textConditions, ...plan.messageConditions, ...bounds]),
    fragment('ORDER BY m.id DESC LIMIT ? OFFSET ?', limit, offset),
  ]);
}

/**
 * `JOIN <every message's search text> s`: indexed, or still waiting for the index (see
 * search-indexer.ts); within a range of buckets when given: one bucket is a condition the
 * index serves, a wider range only bounds the ids.
 */
function searchText(buckets?: { lo: number; hi: number }): Fragment {
  if (!buckets) {
    return fragment(
      'JOIN (SELECT id, text FROM message_search UNION ALL SELECT id, text FROM search_pending) s ON s.id = m.id',
    );
  }
  const first = buckets.lo * BUCKET_IDS;
  const end = (buckets.hi + 1) * BUCKET_IDS;
  const indexed =
    buckets.lo === buckets.hi
      ? fragment('SELECT id, text FROM message_search WHERE bucket = ?', buckets.lo)
      : fragment('SELECT id, text FROM message_search WHERE id >= ? AND id < ?', first, end);
  return join([
    fragment('JOIN ('),
    indexed,
    fragment(
      'UNION ALL SELECT id, text FROM search_pending WHERE id >= ? AND id < ?) s ON s.id = m.id',
      first,
      end,
    ),
  ]);
}

function countHits(hits: readonly Hit[]): Counts {
  const counted = hits.slice(0, COUNT_CAP);
  return {
    total: counted.length,
    unread: counted.reduce((n, h) => n + (h.is_read ? 0 : 1), 0),
    ...(hits.length > COUNT_CAP ? { totalCapped: true as const } : {}),
  };
}

export function summaries(
  q: Queryable,
  ids: readonly MessageId[],
  order: 'ASC' | 'DESC',
): Promise<SummaryRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return q.unsafe(
    `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.id = ANY($1::bigint[]) ORDER BY m.id ${order}`,
    [ids as never],
  ) as unknown as Promise<SummaryRow[]>;
}

/** Summaries of messages above `after` and up to `last`, oldest first. */
export function summariesAfter(
  q: Queryable,
  after: MessageId,
  last: MessageId,
  limit: number,
): Promise<SummaryRow[]> {
  const bound = Number.isFinite(last) ? last : Number.MAX_SAFE_INTEGER;
  return q.unsafe(
    `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.id > $1 AND m.id <= $2 ORDER BY m.id LIMIT $3`,
    [after, bound, limit],
  ) as unknown as Promise<SummaryRow[]>;
}

export async function messagesAfter(
  q: Queryable,
  after: MessageId,
  limit: number,
): Promise<MessageSummary[]> {
  const rows = await q.unsafe<SummaryRow[]>(
    `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.id > $1 ORDER BY m.id LIMIT $2`,
    [after, limit],
  );
  return rows.map(toSummary);
}

/** Which database this is, and the last id its sequence gave (0 before the first). */
export async function identity(q: Queryable): Promise<StoreIdentity> {
  const [row] = await q<{ instanceId: string; lastMessageId: number }[]>`
    SELECT (SELECT id FROM database_instance) AS "instanceId",
      CASE WHEN is_called THEN last_value ELSE 0 END AS "lastMessageId"
    FROM messages_id_seq`;
  return { instanceId: row!.instanceId, lastMessageId: Number(row!.lastMessageId) };
}

/** The search text of these messages, indexed or waiting, split back into its fields. */
export async function searchTextOf(q: Queryable, ids: readonly MessageId[]): Promise<SearchText[]> {
  if (ids.length === 0) return [];
  const rows = await q<{ id: number; text: string }[]>`
    SELECT id, text FROM message_search WHERE id = ANY(${ids as MessageId[]})
    UNION ALL
    SELECT id, text FROM search_pending WHERE id = ANY(${ids as MessageId[]})`;
  return rows.map((row) => ({ id: Number(row.id), ...searchFieldsOf(row.text) }));
}

export async function messageDetail(q: Queryable, id: MessageId): Promise<MessageDetail> {
  const [row] = await q.unsafe<(SummaryRow & { detail: string })[]>(
    `SELECT ${SUMMARY_COLUMNS}, b.detail FROM messages m JOIN message_bodies b ON b.id = m.id WHERE m.id = $1`,
    [id],
  );
  if (!row) throw new MessageNotFoundError(id);
  return toDetail(row, row.detail);
}

export async function rawBytes(q: Queryable, id: MessageId): Promise<Buffer> {
  const [body] = await q<{ raw: Buffer; pieces: number }[]>`
    SELECT raw, raw_pieces AS pieces FROM message_bodies WHERE id = ${id}`;
  if (!body) throw new MessageNotFoundError(id);
  if (body.pieces === 0) return body.raw;
  const pieces = await q<{ data: Buffer }[]>`
    SELECT data FROM message_raw_pieces WHERE id = ${id} ORDER BY seq`;
  return Buffer.concat(pieces.map((piece) => piece.data));
}

/** `SELECT m.id FROM messages m ...` of every message the selection names. */
export function selected(selection: Selection, extra: readonly Fragment[] = []): Fragment {
  if ('ids' in selection) {
    return join([
      fragment('SELECT m.id FROM messages m'),
      where([fragment('m.id = ANY(?::bigint[])', selection.ids), ...extra]),
    ]);
  }
  const plan = planSearch('query' in selection ? selection.query : undefined);
  return join([
    fragment('SELECT m.id FROM messages m'),
    ...(plan.textConditions.length ? [searchText()] : []),
    where([...plan.textConditions, ...plan.messageConditions, ...extra]),
  ]);
}
