import { foldForSearch } from '../search-fold.js';
import type { SearchQuery, SearchTerm, TextField } from '../search-query.js';
import type { SearchText } from '../types.js';
import { fragment, type Fragment } from './fragment.js';

/** Folded as the stored search text is (see insert.ts): SQLite's folding, then lower case. */
export function foldForPostgres(text: string): string {
  return foldForSearch(text).toLowerCase();
}

/** Between the fields of message_search.text; never inside one (see searchText). */
const SEPARATOR = '\u001f';
/** The fields in message_search.text, in order: what toInsertRow gives as `search`. */
const FIELDS = ['subject', 'from', 'to', 'cc', 'body', 'filename'] as const;

/** Messages per bucket (message_search.bucket): the step a search walks back in. */
export const BUCKET_IDS = 32_768;

export const bucketOf = (id: number) => Math.floor(id / BUCKET_IDS);

/** One message's search text, folded, its fields joined so that split_part() finds each. */
export function searchText(fields: readonly string[]): string {
  return fields.map((f) => foldForPostgres(f).replaceAll(SEPARATOR, ' ')).join(SEPARATOR);
}

/** searchText() split back into its fields (lower case, as stored), for matching in memory. */
export function searchFieldsOf(text: string): Omit<SearchText, 'id'> {
  const [subject = '', sender = '', recipients = '', cc = '', body = '', filenames = ''] =
    text.split(SEPARATOR);
  return { subject, sender, recipients, cc, body, filenames };
}

export interface SearchPlan {
  /** Conditions on the search row `s` (message_search, one per message, joined on id). */
  readonly textConditions: readonly Fragment[];
  /** Conditions on `messages m`: flags and dates. */
  readonly messageConditions: readonly Fragment[];
  /** A term that must be present has a trigram: the index finds candidates bucket by bucket. */
  readonly indexed: boolean;
}

/** The same language as SQLite's (search-query.ts), as conditions for PostgreSQL. */
export function planSearch(query: SearchQuery | undefined): SearchPlan {
  const textConditions: Fragment[] = [];
  const messageConditions: Fragment[] = [];
  let indexed = false;
  for (const term of query?.terms ?? []) {
    if (term.kind !== 'text') {
      messageConditions.push(messageCondition(term));
      continue;
    }
    const value = foldForPostgres(term.value);
    if (value === '') continue;
    textConditions.push(like(term.field, value, term.negate));
    indexed ||= !term.negate && HAS_TRIGRAM.test(value);
  }
  return { textConditions, messageConditions, indexed };
}

/** pg_trgm takes its trigrams from runs of letters and digits; shorter terms are scanned. */
const HAS_TRIGRAM = /[\p{L}\p{N}]{3}/u;

/**
 * The term as a substring of the field (or of any field). The LIKE on the whole text is
 * what the trigram index serves; split_part() then checks the one field.
 */
function like(field: TextField, value: string, negate: boolean): Fragment {
  const pattern = '%' + value.replace(/[\\%_]/g, '\\$&') + '%';
  const condition =
    field === 'any'
      ? fragment('s.text LIKE ?', pattern)
      : fragment(
          `(s.text LIKE ? AND split_part(s.text, chr(31), ${FIELDS.indexOf(field) + 1}) LIKE ?)`,
          pattern,
          pattern,
        );
  return negate ? { sql: `NOT ${condition.sql}`, params: condition.params } : condition;
}

const FLAGS = {
  attachment: 'm.attachment_count > 0',
  read: 'm.is_read',
  unread: 'NOT m.is_read',
  tagged: "m.tags != '[]'",
};

function messageCondition(term: Exclude<SearchTerm, { kind: 'text' }>): Fragment {
  const condition =
    term.kind === 'flag'
      ? fragment(FLAGS[term.flag])
      : term.kind === 'tag'
        ? // Any case: tag:Urgent finds "urgent" too, as Mailpit's does.
          fragment(
            'm.id IN (SELECT message_id FROM message_tags WHERE lower(tag) = lower(?))',
            term.tag,
          )
        : fragment(term.op === 'before' ? 'm.received_at < ?' : 'm.received_at >= ?', term.at);
  return term.negate ? { sql: `NOT (${condition.sql})`, params: condition.params } : condition;
}
