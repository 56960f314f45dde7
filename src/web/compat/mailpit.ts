import { Hono, type Context } from 'hono';
import { InvalidQueryError, parseSearchQuery, type SearchQuery } from '../../store/search-query.js';
import type { MessageId, Selection, Store } from '../../store/types.js';
import { capturedContentHeaders, contentDisposition, prepareHtml } from '../captured.js';
import { ApiError, badRequest } from '../errors.js';
import { sendPart } from '../routes/messages.js';
import { textErrors } from './errors.js';
import { mailpitMessage, mailpitSummary } from './mailpit-shapes.js';
import { canonicalHeaderMap, splitEntity } from './raw-mime.js';
import {
  bodyText,
  cidLink,
  goField,
  link,
  parsePeerId,
  peerIds,
  stringArray,
  tryJson,
  type CompatOptions,
} from './shapes.js';

/** Mailpit's `limit=0` means "all"; Sluice answers at most this many summaries at once. */
export const MAILPIT_MAX_PAGE = 1000;
const DEFAULT_PAGE = 50;

/**
 * Mailpit's /api/v1 message routes and /view pages over the native store. Ids are Sluice's
 * numbers as strings; "latest" (with ?query=) is the newest message (matching the search).
 */
export function mailpitRoutes(options: CompatOptions) {
  const { store, parts } = options;
  const app = new Hono();
  app.onError(textErrors);

  app.get('/api/v1/messages', async (c) => c.json(await summaryPage(store, c, undefined)));
  app.get('/api/v1/search', async (c) => {
    const text = c.req.query('query')?.trim();
    if (!text) throw badRequest('Error: no search query');
    return c.json(await summaryPage(store, c, mailpitQuery(text)));
  });
  app.delete('/api/v1/search', async (c) => {
    const text = c.req.query('query')?.trim();
    if (!text) throw badRequest('Error: no search query');
    await store.deleteMessages({ query: withTerms(mailpitQuery(text)) });
    return c.text('ok');
  });
  app.put('/api/v1/messages', async (c) => {
    const { read, selection } = readRequest(tryJson(await bodyText(c)));
    await store.setRead(selection, read);
    return c.text('ok');
  });
  // Shared with MailHog (the collision table in README): 200 with an empty body.
  app.delete('/api/v1/messages', async (c) => {
    await store.deleteMessages(deleteSelection(await bodyText(c)));
    return c.body(null, 200);
  });

  app.get('/api/v1/message/:id', async (c) => {
    return c.json(mailpitMessage(await store.getMessage(await messageRef(store, c))));
  });
  app.get('/api/v1/message/:id/headers', async (c) => {
    const raw = await store.getRaw(await messageRef(store, c));
    return c.json(canonicalHeaderMap(splitEntity(raw.toString('utf8')).fields));
  });
  app.get('/api/v1/message/:id/raw', async (c) => {
    const id = await messageRef(store, c);
    const download = c.req.query('dl') === '1';
    return c.body(new Uint8Array(await store.getRaw(id)), 200, {
      ...capturedContentHeaders(),
      'Content-Type': 'text/plain; charset=utf-8',
      ...(download ? { 'Content-Disposition': contentDisposition('attachment', `${id}.eml`) } : {}),
    });
  });
  app.get('/api/v1/message/:id/part/:partId', async (c) => {
    const id = await messageRef(store, c);
    return sendPart(true, id, await parts.readPart(id, { partId: c.req.param('partId') }));
  });
  for (const check of ['part/:partId/thumb', 'html-check', 'link-check', 'sa-check']) {
    app.get(`/api/v1/message/:id/${check}`, () => {
      throw new ApiError(404, 'not_supported', `Sluice does not offer Mailpit's ${check}`);
    });
  }

  app.get('/view/:file', async (c) => {
    const file = c.req.param('file');
    if (file === 'latest') {
      const query = c.req.query('query');
      const newest = await latest(store, query ? mailpitQuery(query) : undefined);
      return c.redirect(link(options, newest === null ? '/' : `/#/message/${newest}`), 302);
    }
    const match = /^(.+)\.(html|txt)$/.exec(file);
    if (!match) throw new ApiError(404, 'not_found', '404 page not found');
    return viewBody(options, await messageRef(store, c, match[1]!), match[2] as 'html' | 'txt');
  });
  // Mailpit's /livez and /readyz are the native probes (src/web/routes/probes.ts).
  return app;
}

/** `start`/`limit` of a Mailpit list: numbers ≥ 0, limit 0 meaning as many as Sluice gives. */
function pageParams(c: Context): { offset: number; limit: number; zero: boolean } {
  const number = (name: string, fallback: number) => {
    const text = c.req.query(name);
    if (text === undefined || text === '') return fallback;
    if (!/^\d{1,9}$/.test(text)) throw badRequest(`${name} must be a whole number ≥ 0`);
    return Number(text);
  };
  const limit = number('limit', DEFAULT_PAGE);
  return {
    offset: number('start', 0),
    limit: limit === 0 ? MAILPIT_MAX_PAGE : Math.min(limit, MAILPIT_MAX_PAGE),
    zero: limit === 0,
  };
}

/** Mailpit's MessagesSummary, from one keyset page of the native list or search. */
async function summaryPage(store: Store, c: Context, search: SearchQuery | undefined) {
  const { offset, limit, zero } = pageParams(c);
  // Mailpit's search answers limit=0 with no items; its list, with all of them.
  const empty = zero && search !== undefined;
  const query = withBefore(search, c.req.query('before'));
  const [page, stats, tags] = await Promise.all([
    store.listMessages({ limit: empty ? 1 : limit, offset, query }),
    store.stats(),
    store.listTags(),
  ]);
  const messages = empty ? [] : page.messages.map(mailpitSummary);
  return {
    total: stats.total,
    unread: stats.unread,
    count: messages.length,
    messages_count: page.total,
    messages_unread: page.unread,
    start: offset,
    tags,
    messages,
  };
}

/** Mailpit's `before` parameter: only messages received before that time. */
function withBefore(query: SearchQuery | undefined, before: string | undefined) {
  if (!before) return query;
  const at = Date.parse(before);
  if (Number.isNaN(at)) throw badRequest(`before must be a date or time, got "${before}"`);
  const term = { kind: 'date', op: 'before', at, negate: false } as const;
  return { text: query?.text ?? '', terms: [...(query?.terms ?? []), term] };
}

/**
 * Mailpit's search words that Sluice spells differently: `!` negates like `-`; bcc: and
 * addressed: are to: (which covers Bcc). Operators with no native meaning are refused.
 */
export function mailpitQuery(text: string): SearchQuery {
  const translated = text
    .replace(/(^|\s)!(?=\S)/g, '$1-')
    .replace(/(^|\s)(-?)(?:addressed|bcc):/gi, '$1$2to:');
  const unsupported = /(?:^|\s)-?(larger|smaller|message-id|reply-to):|has:inlines?\b/i.exec(
    translated,
  );
  if (unsupported) {
    throw new InvalidQueryError(
      `Sluice's search has no ${unsupported[1] ?? 'has:inline'}; see /api/openapi.json for the search words`,
    );
  }
  return parseSearchQuery(translated);
}

/**
 * A search that acts on messages must name something: one without terms ('""') would
 * select every message, which only an empty DELETE body or no Search asks for.
 */
function withTerms(query: SearchQuery): SearchQuery {
  if (query.terms.length === 0) throw badRequest('the search has no terms; nothing was changed');
  return query;
}

/** The id in the path, or the newest message (matching ?query=) for "latest". */
async function messageRef(store: Store, c: Context, text = c.req.param('id')): Promise<MessageId> {
  if (text === 'latest') {
    const query = c.req.query('query');
    const id = await latest(store, query ? mailpitQuery(query) : undefined);
    if (id === null) throw new ApiError(404, 'not_found', 'Message not found');
    return id;
  }
  const id = parsePeerId(text);
  if (id === null) throw new ApiError(404, 'not_found', '404 page not found');
  return id;
}

async function latest(store: Store, query?: SearchQuery): Promise<MessageId | null> {
  return (await store.listMessages({ limit: 1, query })).messages[0]?.id ?? null;
}

/** `{"Read", "IDs", "Search"}`: IDs xor Search; neither (or `IDs: []`) means every message. */
function readRequest(body: unknown): { read: boolean; selection: Selection } {
  if (typeof body !== 'object' || body === null)
    throw badRequest(
      'expected JSON {"Read": true, "IDs": [...]} or {"Read": true, "Search": "..."}',
    );
  const read = goField(body, 'Read') === true;
  const ids = stringArray(goField(body, 'IDs') ?? []);
  const search = goField(body, 'Search');
  if (ids === null) throw badRequest('IDs must be an array of message ids');
  if (ids.length > 0 && typeof search === 'string' && search.trim())
    throw badRequest('You may specify either IDs or a search query, not both');
  if (typeof search === 'string' && search.trim())
    return { read, selection: { query: withTerms(mailpitQuery(search)) } };
  return { read, selection: ids.length > 0 ? { ids: peerIds(ids) } : { all: true } };
}

/**
 * Every message only for an empty body. Mailpit also wipes everything when the body is not
 * JSON (the PyPI client sends form-encoded ids); Sluice answers 400 instead.
 */
function deleteSelection(text: string): Selection {
  if (text.trim() === '') return { all: true };
  const ids = stringArray(goField(tryJson(text), 'IDs'));
  if (ids === null || ids.length === 0) {
    throw badRequest(
      'expected no body (delete every message) or JSON {"IDs": ["1", "2"]}; nothing was deleted',
    );
  }
  return { ids: peerIds(ids) };
}

/** `/view/{ID}.html` and `.txt`: the body alone, as captured content (sandboxed, no scripts). */
async function viewBody(
  options: CompatOptions,
  id: MessageId,
  kind: 'html' | 'txt',
): Promise<Response> {
  const message = await options.store.getMessage(id);
  const body = kind === 'html' ? message.html : message.text;
  if (body === null) {
    const part = kind === 'html' ? 'a HTML' : 'a text';
    throw new ApiError(404, 'not_found', `This message does not contain ${part} part`);
  }
  const html = () => prepareHtml(body, (cid) => cidLink(options, id, cid));
  return new Response(kind === 'html' ? html() : body, {
    headers: {
      ...capturedContentHeaders(),
      'Content-Type': kind === 'html' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    },
  });
}
