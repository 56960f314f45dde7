/**
 * The search language, shared by the API and the inbox:
 *   free words, "quoted phrases", from: to: cc: subject: body: filename:,
 *   has:attachment, is:read, is:unread, is:tagged, tag:NAME, before:/after: (YYYY-MM-DD or ISO time),
 *   and a leading "-" to negate any term. Terms are ANDed.
 */
export type TextField = 'any' | 'from' | 'to' | 'cc' | 'subject' | 'body' | 'filename';

export type SearchTerm =
  | {
      readonly kind: 'text';
      readonly field: TextField;
      readonly value: string;
      readonly negate: boolean;
    }
  | {
      readonly kind: 'flag';
      readonly flag: 'attachment' | 'read' | 'unread' | 'tagged';
      readonly negate: boolean;
    }
  | { readonly kind: 'tag'; readonly tag: string; readonly negate: boolean }
  | {
      readonly kind: 'date';
      readonly op: 'before' | 'after';
      readonly at: number;
      readonly negate: boolean;
    };

export interface SearchQuery {
  readonly text: string;
  readonly terms: readonly SearchTerm[];
}

export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError';
}

const TEXT_FIELDS = new Set<string>(['from', 'to', 'cc', 'subject', 'body', 'filename']);
const MAX_TERMS = 32;
// -field:"a phrase" | -field:word | -"a phrase" | -word
const TOKEN = /(-?)(?:([a-z]+):)?(?:"((?:[^"\\]|\\.)*)"?|(\S+))/gi;

export function parseSearchQuery(text: string): SearchQuery {
  const terms: SearchTerm[] = [];
  // NUL ends a string for FTS5's parser ("unterminated string") and for LIKE's pattern; it
  // is no character anyone searches for, so it goes before the terms are read.
  for (const match of text.replaceAll('\0', '').matchAll(TOKEN)) {
    const negate = match[1] === '-';
    const prefix = match[2]?.toLowerCase();
    const quoted = match[3]?.replace(/\\(.)/g, '$1');
    const value = quoted ?? match[4] ?? '';
    terms.push(toTerm(prefix, value, negate, match[0]));
  }
  const meaningful = terms.filter((t) => t.kind !== 'text' || t.value !== '');
  if (meaningful.length > MAX_TERMS) {
    throw new InvalidQueryError(`a search may have at most ${MAX_TERMS} terms`);
  }
  return { text, terms: meaningful };
}

function toTerm(
  prefix: string | undefined,
  value: string,
  negate: boolean,
  whole: string,
): SearchTerm {
  if (prefix === undefined) return { kind: 'text', field: 'any', value, negate };
  if (TEXT_FIELDS.has(prefix)) return { kind: 'text', field: prefix as TextField, value, negate };
  const lower = value.toLowerCase();
  if (prefix === 'has' && ['attachment', 'attachments'].includes(lower)) {
    return { kind: 'flag', flag: 'attachment', negate };
  }
  if (prefix === 'is' && (lower === 'read' || lower === 'unread' || lower === 'tagged'))
    return { kind: 'flag', flag: lower, negate };
  if (prefix === 'tag' && value !== '') return { kind: 'tag', tag: value, negate };
  if (prefix === 'before' || prefix === 'after')
    return { kind: 'date', op: prefix, at: parseDate(prefix, value), negate };
  if (prefix === 'has' || prefix === 'is') {
    throw new InvalidQueryError(
      `unknown ${prefix}:${value}; use has:attachment, is:read, is:unread or is:tagged`,
    );
  }
  // Not an operator: "foo:bar" is searched as written.
  return { kind: 'text', field: 'any', value: whole.replace(/^-/, ''), negate };
}

function parseDate(op: string, value: string): number {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? Date.parse(value + 'T00:00:00Z')
    : Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at)) {
    throw new InvalidQueryError(
      `${op}: needs a date as YYYY-MM-DD or an ISO 8601 time, got "${value}"`,
    );
  }
  return at;
}
