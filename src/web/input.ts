import type { Context } from 'hono';
import { parseSearchQuery } from '../store/search-query.js';
import type { ListOptions, MessageId, Selection } from '../store/types.js';
import { badRequest } from './errors.js';
import { validOrThrow, wholeNumber } from './routes/contract.js';
import { PageQuery, type PageQueryValues, type SelectionValues } from './routes/message-schemas.js';

export { MAX_PAGE_SIZE } from './routes/message-schemas.js';
export { hasBody } from './routes/contract.js';

/** A list or search request's options from its validated query (routes/message-schemas.ts). */
export function listOptions(values: PageQueryValues, requireQuery = false): ListOptions {
  const text = values.query ?? values.q;
  if (requireQuery && !text?.trim())
    throw badRequest('query is required, e.g. ?query=from:alice@example.com');
  const query = text?.trim() ? parseSearchQuery(text) : undefined;
  return { limit: values.limit, before: values.before, after: values.after, query };
}

/** `limit`, `before`, `after` and `query` (or `q`), for handlers outside a route contract. */
export function listParams(c: Context): ListOptions {
  return listOptions(validOrThrow(PageQuery, c.req.query()));
}

/** A message id in the query string, validated as the contracts' cursors are. */
export function cursorParam(c: Context, name: string, help: string): MessageId | undefined {
  return validOrThrow(wholeNumber(help).optional(), c.req.query(name));
}

/** A validated selection, its search parsed. */
export function selectionOf(value: SelectionValues): Selection {
  if (!('query' in value)) return value;
  const query = parseSearchQuery(value.query);
  // A query with no terms ('', '""', spaces) matches everything: a bulk action on it must
  // say so with "all", not reach it by an empty search box.
  if (query.terms.length === 0)
    throw badRequest('the query has no search terms; to act on every message, send {"all": true}');
  return { query };
}
