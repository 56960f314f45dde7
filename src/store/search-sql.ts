import { foldForSearch } from './search-fold.js';
import type { SearchQuery, SearchTerm, TextField } from './search-query.js';

export interface SqlCondition {
  readonly sql: string;
  readonly params: readonly unknown[];
}

const COLUMNS: Record<TextField, readonly string[]> = {
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

/** Turns a parsed search into WHERE conditions over `messages m`. */
export function searchConditions(query: SearchQuery): SqlCondition[] {
  const conditions: SqlCondition[] = [];
  const indexed: string[] = [];
  const indexedTerms: { field: TextField; value: string }[] = [];
  // Folded as the index is (see search-fold.ts), before the length decides MATCH or LIKE.
  const terms = query.terms.map((t) =>
    t.kind === 'text' ? { ...t, value: foldForSearch(t.value) } : t,
  );
  for (const term of terms) {
    if (term.kind === 'text' && !term.negate && [...term.value].length >= MIN_INDEXED_LENGTH) {
      indexed.push(matchExpression(term.field, term.value));
      indexedTerms.push(term);
    } else {
      conditions.push(termCondition(term));
    }
  }
  if (indexed.length > 0) {
    const pending = indexedTerms.map((t) => likeCondition(t.field, t.value));
    conditions.unshift({
      sql:
        'm.id IN (SELECT rowid FROM message_search WHERE message_search MATCH ? ' +
        `UNION ALL SELECT id FROM search_pending WHERE ${pending.map((c) => `(${c.sql})`).join(' AND ')})`,
      params: [indexed.join(' AND '), ...pending.flatMap((c) => c.params)],
    });
  }
  return conditions;
}

function termCondition(term: SearchTerm): SqlCondition {
  const condition = positiveCondition(term);
  return term.negate ? { sql: `NOT (${condition.sql})`, params: condition.params } : condition;
}

function positiveCondition(term: SearchTerm): SqlCondition {
  switch (term.kind) {
    case 'flag':
      return {
        sql: {
          attachment: 'm.attachment_count > 0',
          read: 'm.is_read = 1',
          unread: 'm.is_read = 0',
        }[term.flag],
        params: [],
      };
    case 'date':
      return {
        sql: term.op === 'before' ? 'm.received_at < ?' : 'm.received_at >= ?',
        params: [term.at],
      };
    case 'text': {
      // Rows not yet in the index (search-indexer.ts) are always matched with LIKE.
      const like = likeCondition(term.field, term.value);
      const pending = `UNION ALL SELECT id FROM search_pending WHERE ${like.sql}`;
      if ([...term.value].length >= MIN_INDEXED_LENGTH) {
        return {
          sql: `m.id IN (SELECT rowid FROM message_search WHERE message_search MATCH ? ${pending})`,
          params: [matchExpression(term.field, term.value), ...like.params],
        };
      }
      return {
        sql: `m.id IN (SELECT rowid FROM message_search WHERE ${like.sql} ${pending})`,
        params: [...like.params, ...like.params],
      };
    }
  }
}

/** The term as a substring of any of the field's columns (folded text, so ASCII case is all LIKE must fold). */
function likeCondition(field: TextField, value: string): SqlCondition {
  const columns = COLUMNS[field];
  const pattern = '%' + value.replace(/[\\%_]/g, '\\$&') + '%';
  return {
    sql: columns.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR '),
    params: columns.map(() => pattern),
  };
}

/** An FTS5 phrase restricted to the field's columns; quotes are doubled per FTS5 syntax. */
function matchExpression(field: TextField, value: string): string {
  const phrase = '"' + value.replaceAll('"', '""') + '"';
  return field === 'any' ? phrase : `{${COLUMNS[field].join(' ')}} : ${phrase}`;
}
