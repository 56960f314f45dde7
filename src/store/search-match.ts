import { COLUMNS, type SearchColumn } from './search-sql.js';
import { headerSearchText } from './search-fields.js';
import { foldForSearch } from './search-fold.js';
import type { SearchQuery, SearchTerm } from './search-query.js';
import type { MessageSummary, SearchText } from './types.js';

/**
 * Deciding in memory whether a new message matches a search, with the semantics of the SQL
 * in search-sql.ts: a text term is a substring of one of its field's folded columns, with
 * ASCII case folded as LIKE folds it (the trigram index finds the same, see pendingSource);
 * flags and dates as the message row has them. `/api/messages/wait` uses it to match every
 * pending waiter against each batch of new mail without a query per waiter.
 */

/** A search prepared once: folded terms, empty ones dropped as planSearch drops them. */
export interface CompiledSearch {
  readonly terms: readonly SearchTerm[];
}

/** A message prepared once for many searches: its text lowercased as LIKE compares it. */
export interface MatchTarget {
  readonly summary: MessageSummary;
  readonly receivedAt: number;
  /** Columns the summary does not carry (body, filenames) are absent until fetched. */
  readonly text: Partial<Record<SearchColumn, string>>;
}

export function compileSearch(query: SearchQuery | undefined): CompiledSearch {
  const terms: SearchTerm[] = [];
  for (const term of query?.terms ?? []) {
    if (term.kind !== 'text') terms.push(term);
    else {
      const value = likeCase(foldForSearch(term.value));
      if (value !== '') terms.push({ ...term, value });
    }
  }
  return { terms };
}

/** A new message as its summary describes it; `text` (from getSearchText) completes it. */
export function matchTarget(summary: MessageSummary, text?: SearchText): MatchTarget {
  const columns = text ?? {
    ...headerSearchText({ ...summary, mailFrom: summary.envelope.mailFrom }),
  };
  const lowered: Partial<Record<SearchColumn, string>> = {};
  for (const [column, value] of Object.entries(columns) as [SearchColumn | 'id', unknown][]) {
    if (column !== 'id' && typeof value === 'string') lowered[column] = likeCase(value);
  }
  return { summary, receivedAt: Date.parse(summary.receivedAt), text: lowered };
}

/**
 * true or false; undefined when a text term could only be decided by a column the target
 * does not have yet (`body:`, or a word in no header field): fetch the text and ask again.
 */
export function matchSearch(search: CompiledSearch, target: MatchTarget): boolean | undefined {
  let verdict: boolean | undefined = true;
  for (const term of search.terms) {
    const found = matchTerm(term, target);
    const holds = found === undefined ? undefined : found !== term.negate;
    if (holds === false) return false;
    if (holds === undefined) verdict = undefined;
  }
  return verdict;
}

function matchTerm(term: SearchTerm, target: MatchTarget): boolean | undefined {
  const { summary } = target;
  switch (term.kind) {
    case 'flag':
      switch (term.flag) {
        case 'attachment':
          return summary.attachmentCount > 0;
        case 'read':
          return summary.read;
        case 'unread':
          return !summary.read;
        case 'tagged':
          return summary.tags.length > 0;
        default:
          return unhandled(term.flag);
      }
    case 'tag': {
      // message_tags.tag is COLLATE NOCASE, which folds ASCII letters only.
      const wanted = nocase(term.tag);
      return summary.tags.some((tag) => nocase(tag) === wanted);
    }
    case 'date':
      return term.op === 'before' ? target.receivedAt < term.at : target.receivedAt >= term.at;
    case 'text': {
      let unknown = false;
      for (const column of COLUMNS[term.field]) {
        const text = target.text[column];
        if (text === undefined) unknown = true;
        else if (text.includes(term.value)) return true;
      }
      return unknown ? undefined : false;
    }
    default:
      return unhandled(term);
  }
}

/** A term kind this file does not know yet fails to compile here, not silently at run time. */
function unhandled(value: never): never {
  throw new Error(`search-match.ts does not know ${JSON.stringify(value)}`);
}

function nocase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * LIKE folds ASCII letters only. Folded text with any other character is already lowercase
 * (foldForSearch lowercases it whole), so lowercasing everything changes just ASCII letters.
 */
function likeCase(text: string): string {
  return text.toLowerCase();
}
