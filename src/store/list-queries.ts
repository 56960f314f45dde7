import type Database from 'better-sqlite3';
import { SUMMARY_COLUMNS, toSummary, type SummaryRow } from './rows.js';
import { planSearch, type SearchPlan, type SqlCondition } from './search-sql.js';
import type { ListOptions, ListResult, Selection } from './types.js';

/**
 * A search counts its matches, newest first, up to here. An exact count of a common term
 * reads every match (most of the mailbox, for a two-letter term); even 10,000 cost 30 to
 * 120 ms at a million messages (the index plus a message row per match), 1,000 cost 2 to
 * 6 ms. Past this many, the number only needs to say "a lot".
 */
export const COUNT_CAP = 1_000;

interface Hit {
  readonly k: number;
  readonly is_read: number;
}

type Counts = Pick<ListResult, 'total' | 'unread' | 'totalCapped'>;

const EVERYTHING: SearchPlan = { sources: null, messageConditions: [] };

/**
 * A page of messages, newest first, with the counts of what matches. The page is read from
 * the sources of the search newest first (the trigram index in rowid order, say), so that it
 * stops once the page is full instead of collecting every match to sort them.
 */
export function listMessagePage(db: Database.Database, options: ListOptions): ListResult {
  const plan = options.query?.terms.length ? planSearch(options.query) : EVERYTHING;
  const { rows, counts } = pageAndCounts(db, plan, options);
  const messages = rows.slice(0, options.limit).map(toSummary);
  return {
    messages,
    ...counts,
    nextCursor: rows.length > options.limit ? messages[messages.length - 1]!.id : null,
  };
}

/** Up to `limit + 1` rows (one more tells whether there is a next page) and the counts. */
function pageAndCounts(
  db: Database.Database,
  plan: SearchPlan,
  options: ListOptions,
): { rows: SummaryRow[]; counts: Counts } {
  const pageSize = options.limit + 1;
  const offset = options.offset ?? 0;
  if (plan.sources === null && plan.messageConditions.length === 0) {
    // The whole mailbox: its counts are kept by triggers.
    const counts = db.prepare<[], Counts>('SELECT total, unread FROM message_counts').get()!;
    return { rows: all(db, matches(plan, SUMMARY_COLUMNS, options, pageSize, offset)), counts };
  }
  // COUNT_CAP + 1 say whether there are more; a page longer than COUNT_CAP still comes whole.
  const wanted = Math.max(COUNT_CAP + 1, pageSize);
  const counted = all<Hit>(db, matches(plan, 'm.is_read', {}, wanted));
  const counts = countHits(counted);
  if (options.before === undefined && options.after === undefined && offset + pageSize <= wanted) {
    // The first page is the head of the counted matches: one pass finds both.
    const head = counted.slice(offset, offset + pageSize).map((h) => h.k);
    return { rows: summaries(db, head), counts };
  }
  return { rows: all(db, matches(plan, SUMMARY_COLUMNS, options, pageSize, offset)), counts };
}

/** Conditions on `messages m` that select every message the selection names. */
export function selectionConditions(selection: Selection): SqlCondition[] {
  if ('ids' in selection) {
    return [
      { sql: 'm.id IN (SELECT value FROM json_each(?))', params: [JSON.stringify(selection.ids)] },
    ];
  }
  if ('query' in selection && selection.query.terms.length > 0) {
    const plan = planSearch(selection.query);
    if (plan.sources === null) return [...plan.messageConditions];
    const arms = plan.sources.map((source) => {
      const where = whereClause(source.conditions);
      return { sql: `SELECT s.rowid FROM ${source.table} s ${where.sql}`, params: where.params };
    });
    return [
      {
        sql: `m.id IN (${arms.map((a) => a.sql).join(' UNION ALL ')})`,
        params: arms.flatMap((a) => a.params),
      },
      ...plan.messageConditions,
    ];
  }
  return [];
}

export function whereClause(conditions: readonly SqlCondition[]): SqlCondition {
  if (conditions.length === 0) return { sql: '', params: [] };
  return {
    sql: 'WHERE ' + conditions.map((c) => c.sql).join(' AND '),
    params: conditions.flatMap((c) => c.params),
  };
}

/**
 * `SELECT k, <columns>` of the newest `limit` matches, k being the message id. Each source is
 * read in its own rowid order and joined to the message (CROSS JOIN keeps the search table the
 * outer loop), with the cursor as rowid bounds, so that the index hands out its matches newest
 * first and SQLite merges the sources instead of sorting.
 */
function matches(
  plan: SearchPlan,
  columns: string,
  cursor: Pick<ListOptions, 'before' | 'after'>,
  limit: number,
  offset = 0,
): SqlCondition {
  const bounds = (id: string): SqlCondition[] => [
    ...(cursor.before === undefined ? [] : [{ sql: `${id} < ?`, params: [cursor.before] }]),
    ...(cursor.after === undefined ? [] : [{ sql: `${id} > ?`, params: [cursor.after] }]),
  ];
  const arms =
    plan.sources === null
      ? [
          select(`m.id AS k, ${columns} FROM messages m`, [
            ...plan.messageConditions,
            ...bounds('m.id'),
          ]),
        ]
      : plan.sources.map((source) =>
          select(
            `s.rowid AS k, ${columns} FROM ${source.table} s CROSS JOIN messages m ON m.id = s.rowid`,
            [...source.conditions, ...bounds('s.rowid'), ...plan.messageConditions],
          ),
        );
  return {
    sql: `${arms.map((a) => a.sql).join(' UNION ALL ')} ORDER BY 1 DESC LIMIT ? OFFSET ?`,
    params: [...arms.flatMap((a) => a.params), limit, offset],
  };
}

function select(from: string, conditions: readonly SqlCondition[]): SqlCondition {
  const where = whereClause(conditions);
  return { sql: `SELECT ${from} ${where.sql}`, params: where.params };
}

function summaries(db: Database.Database, ids: readonly number[]): SummaryRow[] {
  return db
    .prepare<[string], SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.id IN (SELECT value FROM json_each(?)) ORDER BY m.id DESC`,
    )
    .all(JSON.stringify(ids));
}

/** Counts the newest COUNT_CAP of the hits, newest first. */
function countHits(hits: readonly Hit[]): Counts {
  const counted = hits.slice(0, COUNT_CAP);
  return {
    total: counted.length,
    unread: counted.reduce((n, h) => n + (h.is_read === 0 ? 1 : 0), 0),
    ...(hits.length > COUNT_CAP ? { totalCapped: true as const } : {}),
  };
}

function all<T>(db: Database.Database, query: SqlCondition): T[] {
  return db.prepare<unknown[], T>(query.sql).all(...query.params);
}
