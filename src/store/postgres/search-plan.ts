import { foldForSearch } from '../search-fold.js';
import type { SearchQuery, SearchTerm, TextField } from '../search-query.js';
import { fragment, type Fragment } from './fragment.js';

/** Folded as the stored search text is (see insert.ts): SQLite's folding, then lower case. */
export function foldForPostgres(text: string): string {
  return foldForSearch(text).toLowerCase();
}

export interface SearchPlan {
  /** Conditions on the search row `s` (message_search, one per message, joined on id). */
  readonly textConditions: readonly Fragment[];
  /** Conditions on `messages m`: flags and dates. */
  readonly messageConditions: readonly Fragment[];
  /** Terms that must be present: the trigram index can find the candidates. */
  readonly present: number;
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

/** The same language as SQLite's (search-query.ts), as conditions for PostgreSQL. */
export function planSearch(query: SearchQuery | undefined): SearchPlan {
  const textConditions: Fragment[] = [];
  const messageConditions: Fragment[] = [];
  let present = 0;
  for (const term of query?.terms ?? []) {
    if (term.kind !== 'text') {
      messageConditions.push(messageCondition(term));
      continue;
    }
    const value = foldForPostgres(term.value);
    if (value === '') continue;
    textConditions.push(like(COLUMNS[term.field], value, term.negate));
    if (!term.negate) present++;
  }
  return { textConditions, messageConditions, present };
}

/**
 * The term as a substring of any of the columns. LIKE on folded text needs no case folding;
 * pg_trgm's GIN index serves it for terms of three characters or more.
 */
function like(columns: readonly string[], value: string, negate: boolean): Fragment {
  const pattern = '%' + value.replace(/[\\%_]/g, '\\$&') + '%';
  const sql = columns.map((c) => `s.${c} LIKE ?`).join(' OR ');
  return { sql: negate ? `NOT (${sql})` : `(${sql})`, params: columns.map(() => pattern) };
}

function messageCondition(term: Exclude<SearchTerm, { kind: 'text' }>): Fragment {
  const condition =
    term.kind === 'flag'
      ? fragment(
          { attachment: 'm.attachment_count > 0', read: 'm.is_read', unread: 'NOT m.is_read' }[
            term.flag
          ],
        )
      : fragment(term.op === 'before' ? 'm.received_at < ?' : 'm.received_at >= ?', term.at);
  return term.negate ? { sql: `NOT (${condition.sql})`, params: condition.params } : condition;
}
