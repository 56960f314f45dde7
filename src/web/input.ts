import type { Context } from 'hono';
import { z } from 'zod';
import { parseSearchQuery, type SearchQuery } from '../store/search-query.js';
import type { MessageId, Selection } from '../store/types.js';
import { badRequest } from './errors.js';

export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

export function messageIdParam(c: Context): MessageId {
  const text = c.req.param('id') ?? '';
  const id = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(id)) {
    throw badRequest(`"${text.slice(0, 40)}" is not a message id; ids are whole numbers`);
  }
  return id;
}

/** `limit`, `before` and `query` (or `q`) of a list or search request. */
export function listParams(c: Context, requireQuery = false) {
  const limitText = c.req.query('limit');
  const limit = limitText === undefined ? DEFAULT_PAGE_SIZE : Number(limitText);
  // The regex refuses what Number() would quietly accept: " 5", "1e2", "0x10".
  if (!/^\d{1,3}$/.test(limitText ?? '1') || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw badRequest(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  const before = cursorParam(
    c,
    'before',
    'before must be a message id (the nextCursor of the previous page)',
  );
  const after = cursorParam(c, 'after', 'after must be a message id');
  const text = c.req.query('query') ?? c.req.query('q');
  if (requireQuery && !text?.trim())
    throw badRequest('query is required, e.g. ?query=from:alice@example.com');
  const query = text?.trim() ? parseSearchQuery(text) : undefined;
  return { limit, before, after, query };
}

export function cursorParam(c: Context, name: string, help: string): MessageId | undefined {
  const text = c.req.query(name);
  if (text === undefined) return undefined;
  const id = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(id)) throw badRequest(help);
  return id;
}

const selectionSchema = z.union([
  z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
  z.object({ query: z.string().trim().min(1).max(1000) }).strict(),
]);

const SELECTION_HELP = 'expected {"ids": [1, 2]}, {"all": true} or {"query": "from:alice"}';

export async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw badRequest('the body is not valid JSON');
  }
}

/** Whether the request carries a body (a length above 0, or a chunked one). */
export function hasBody(c: Context): boolean {
  const length = c.req.header('content-length');
  return (
    c.req.header('transfer-encoding') !== undefined || (length !== undefined && length !== '0')
  );
}

/** The JSON body, or `{}` when the request has none (`curl -X POST …/release`). */
export async function optionalJsonBody(c: Context): Promise<unknown> {
  return hasBody(c) ? jsonBody(c) : {};
}

export function parseSelection(body: unknown): Selection {
  const result = selectionSchema.safeParse(body);
  if (!result.success) throw badRequest(SELECTION_HELP);
  const value = result.data;
  if (!('query' in value)) return value;
  const query = parseSearchQuery(value.query) satisfies SearchQuery;
  // A query with no terms ('', '""', spaces) matches everything: a bulk action on it must
  // say so with "all", not reach it by an empty search box.
  if (query.terms.length === 0)
    throw badRequest('the query has no search terms; to act on every message, send {"all": true}');
  return { query };
}

const markSchema = z.object({ read: z.boolean() }).passthrough();

/** `{"read": true, ...selection}` */
export function parseMark(body: unknown): { read: boolean; selection: Selection } {
  const result = markSchema.safeParse(body);
  if (!result.success)
    throw badRequest('expected {"read": true|false} with "ids", "all" or "query"');
  const { read, ...rest } = result.data;
  return { read, selection: parseSelection(rest) };
}
