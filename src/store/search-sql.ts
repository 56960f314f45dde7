import { foldForSearch } from './search-fold.js';
import type { SearchQuery, SearchTerm, TextField } from './search-query.js';
import type { SearchText } from './types.js';

export type SearchColumn = Exclude<keyof SearchText, 'id'>;

export interface SqlCondition {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * Where a search's candidates come from. A message's search text is in exactly one of two
 * tables: the trigram index (message_search) or, until the indexer moves it, search_pending
 * (see search-indexer.ts). Each source reads one of them as `s`, with every text term
 * decided on that row, and is joined to `messages m` for the rest; both can be read newest
 * first by `s.rowid` (search_pending's id is its rowid), so a page stops early.
 */
export interface SearchSource {
  readonly table: 'message_search' | 'search_pending';
  /** Conditions on the search row `s`. */
  readonly conditions: readonly SqlCondition[];
}

export interface SearchPlan {
  /** Null when no term must be present: the messages table itself is read, newest first. */
  readonly sources: readonly SearchSource[] | null;
  /** Conditions on `messages m`: flags, dates, and (without sources) the excluded text. */
  readonly messageConditions: readonly SqlCondition[];
}

interface TextTerm {
  readonly field: TextField;
  readonly value: string;
}

/** The search-text columns each field's terms look in; search-match.ts reads them too. */
export const COLUMNS: Record<TextField, readonly SearchColumn[]> = {
  any: ['subject', 'sender', 'recipients', 'cc', 'body', 'filenames'],
  from: ['sender'],
  to: ['recipients'],
  cc: ['cc'],
  subject: ['subject'],
  body: ['body'],
  filename: ['filenames'],
};

// The trigram tokenizer indexes runs of three characters; shorter terms
// (two-syllable Korean words, say) are found by a LIKE scan of the same table.
const MIN_INDEXED_LENGTH = 3;

/** Turns a parsed search into the sources of its matches and the conditions they must meet. */
export function planSearch(query: SearchQuery): SearchPlan {
  const messageConditions: SqlCondition[] = [];
  const present: TextTerm[] = [];
  const absent: TextTerm[] = [];
  for (const term of query.terms) {
    if (term.kind !== 'text') {
      messageConditions.push(messageCondition(term));
      continue;
    }
    // Folded as the index is (see search-fold.ts), before the length decides MATCH or LIKE.
    const value = foldForSearch(term.value);
    if (value !== '') (term.negate ? absent : present).push({ field: term.field, value });
  }
  if (present.length === 0) {
    return { sources: null, messageConditions: [...messageConditions, ...absent.map(excluded)] };
  }
  return {
    sources: [indexSource(present, absent), pendingSource(present, absent)],
    messageConditions,
  };
}

/**
 * The index, driven by its MATCH when a term is long enough, with what must be absent in the
 * same expression: `(a AND b) NOT c`. Otherwise it is scanned newest first with LIKE, which
 * stops once a page is full (a term found in few messages still reads them all).
 */
function indexSource(present: TextTerm[], absent: TextTerm[]): SearchSource {
  const table = 'message_search';
  const longPresent = present.filter(indexed).map(matchExpression);
  const longAbsent = absent.filter(indexed).map(matchExpression);
  const conditions = [
    ...present.filter((t) => !indexed(t)).map((t) => like(t)),
    ...absent.filter((t) => !indexed(t)).map((t) => like(t, true)),
  ];
  if (longPresent.length > 0) {
    const expression = [`(${longPresent.join(' AND ')})`, ...longAbsent].join(' NOT ');
    const match = { sql: 's.message_search MATCH ?', params: [expression] };
    return { table, conditions: [match, ...conditions] };
  }
  if (longAbsent.length > 0) {
    conditions.push({
      sql: 's.rowid NOT IN (SELECT rowid FROM message_search WHERE message_search MATCH ?)',
      params: [longAbsent.join(' OR ')],
    });
  }
  return { table, conditions };
}

/** Rows not yet indexed are matched with LIKE, which finds what MATCH would. */
function pendingSource(present: TextTerm[], absent: TextTerm[]): SearchSource {
  return {
    table: 'search_pending',
    conditions: [...present.map((t) => like(t)), ...absent.map((t) => like(t, true))],
  };
}

/** A term that must be absent, when the messages table is read: checked in both tables. */
function excluded(term: TextTerm): SqlCondition {
  const pending = like(term);
  if (indexed(term)) {
    // One pass over the index for the term's matches, looked up for every message.
    return {
      sql:
        'm.id NOT IN (SELECT rowid FROM message_search WHERE message_search MATCH ? ' +
        `UNION ALL SELECT s.rowid FROM search_pending s WHERE ${pending.sql})`,
      params: [matchExpression(term), ...pending.params],
    };
  }
  // No index to ask: each message's own row is read, so the first page does not wait
  // for a scan of every message.
  return {
    sql:
      `NOT EXISTS (SELECT 1 FROM message_search s WHERE s.rowid = m.id AND ${pending.sql} ` +
      `UNION ALL SELECT 1 FROM search_pending s WHERE s.rowid = m.id AND ${pending.sql})`,
    params: [...pending.params, ...pending.params],
  };
}

function messageCondition(term: Exclude<SearchTerm, { kind: 'text' }>): SqlCondition {
  const condition =
    term.kind === 'tag'
      ? // message_tags.tag is NOCASE: tag:Urgent finds "urgent" too, as Mailpit's does.
        { sql: 'm.id IN (SELECT message_id FROM message_tags WHERE tag = ?)', params: [term.tag] }
      : term.kind === 'flag'
        ? {
            sql: {
              attachment: 'm.attachment_count > 0',
              read: 'm.is_read = 1',
              unread: 'm.is_read = 0',
              tagged: "m.tags != '[]'",
            }[term.flag],
            params: [],
          }
        : {
            sql: term.op === 'before' ? 'm.received_at < ?' : 'm.received_at >= ?',
            params: [term.at],
          };
  return term.negate ? { sql: `NOT (${condition.sql})`, params: condition.params } : condition;
}

function indexed(term: TextTerm): boolean {
  return [...term.value].length >= MIN_INDEXED_LENGTH;
}

/**
 * The term as a substring of any of the field's columns of the search row `s` (folded text,
 * so ASCII case is all LIKE must fold).
 */
function like(term: TextTerm, negate = false): SqlCondition {
  const columns = COLUMNS[term.field];
  const pattern = '%' + term.value.replace(/[\\%_]/g, '\\$&') + '%';
  const sql = columns.map((c) => `s.${c} LIKE ? ESCAPE '\\'`).join(' OR ');
  return { sql: negate ? `NOT (${sql})` : `(${sql})`, params: columns.map(() => pattern) };
}

/**
 * An FTS5 phrase restricted to the field's columns, in parentheses so that it can be an
 * operand of AND, OR and NOT; quotes are doubled per FTS5 syntax.
 */
function matchExpression(term: TextTerm): string {
  const phrase = '"' + term.value.replaceAll('"', '""') + '"';
  return term.field === 'any' ? `(${phrase})` : `({${COLUMNS[term.field].join(' ')}} : ${phrase})`;
}
