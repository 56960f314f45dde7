import { Hono, type Context } from 'hono';
import { parseSearchQuery, type SearchTerm } from '../../store/search-query.js';
import type { MessageId, Store } from '../../store/types.js';
import { capturedContentHeaders, contentDisposition, prepareHtml } from '../captured.js';
import { ApiError, badRequest } from '../errors.js';
import { sendPart } from '../routes/messages.js';
import { maildevErrors } from './errors.js';
import { newestInArrivalOrder } from './oldest-first.js';
import { maildevEmail, partFileName, summaryItem } from './maildev-shapes.js';
import { bodyText, cidLink, parsePeerId, peerId, peerIds, stringArray, tryJson } from './shapes.js';
import type { CompatOptions } from './shapes.js';
import { requireRole } from '../auth/require-role.js';

/**
 * MailDev's `GET /email` answers every message, each whole. Sluice answers the newest this
 * many (oldest first, as MailDev orders them) and says so in `X-Total-Count` and
 * `X-Sluice-Truncated`; `?skip=` and `/api/email/summary` page through the rest.
 */
export const MAILDEV_MAX_LIST = 200;
const SUMMARY_MAX = 200;

/** MailDev 2 (`/email…`) and MailDev 3 (`/api/email…`): the same handlers on both prefixes. */
export function maildevRoutes(options: CompatOptions) {
  const { store, parts } = options;
  const app = new Hono();
  app.onError(maildevErrors);
  const found = async (c: Context): Promise<MessageId> => {
    const id = parsePeerId(c.req.param('id'));
    if (id === null) throw new ApiError(404, 'not_found', 'Email was not found');
    return id;
  };

  for (const prefix of ['', '/api']) {
    app.get(`${prefix}/healthz`, (c) => c.json(true));
    app.get(`${prefix}/config`, (c) => {
      const info = options.info();
      return c.json({
        version: `sluice ${info.version}`,
        smtpPort: info.smtp.port,
        isOutgoingEnabled: options.relay?.enabled ?? false,
        outgoingHost: '',
      });
    });
    app.get(`${prefix}/email`, async (c) => {
      const skip = Number(c.req.query('skip') ?? 0);
      const limit = Math.min(Number(c.req.query('limit') ?? MAILDEV_MAX_LIST), MAILDEV_MAX_LIST);
      if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(limit) || limit < 1)
        throw badRequest('skip and limit must be whole numbers');
      const page = await newestInArrivalOrder(store, { skip, limit });
      const emails = await Promise.all(
        page.messages.map(async (m) => maildevEmail(await store.getMessage(m.id))),
      );
      if (c.req.query('sort') === 'desc') emails.reverse();
      c.header('X-Total-Count', String(page.total));
      if (page.truncated)
        c.header('X-Sluice-Truncated', `${emails.length} of ${page.total}; page with ?skip=N`);
      return c.json(emails);
    });
    app.get(`${prefix}/email/summary`, async (c) => c.json(await summaryPage(store, c)));
    app.delete(`${prefix}/email/all`, async (c) => {
      await store.deleteMessages({ all: true });
      return c.json(true);
    });
    app.patch(`${prefix}/email/read-all`, async (c) =>
      c.json(await store.setRead({ all: true }, true)),
    );
    app.post(`${prefix}/email/delete`, async (c) => {
      const ids = stringArray((tryJson(await bodyText(c)) as { ids?: unknown } | undefined)?.ids);
      if (!ids) throw badRequest('expected {"ids": ["1", "2"]}');
      const known = peerIds(ids);
      const existing = await Promise.all(
        known.map((id) =>
          store.getMessage(id).then(
            () => id,
            () => null,
          ),
        ),
      );
      const deleted = existing.filter((id): id is MessageId => id !== null);
      if (deleted.length > 0) await store.deleteMessages({ ids: deleted });
      const gone = new Set(deleted.map(peerId));
      return c.json({ deleted: [...gone], notFound: ids.filter((id) => !gone.has(id)) });
    });
    app.get(`${prefix}/email/:id`, async (c) =>
      c.json(maildevEmail(await store.getMessage(await found(c)))),
    );
    app.delete(`${prefix}/email/:id`, async (c) => {
      const id = await found(c);
      if ((await store.deleteMessages({ ids: [id] })) === 0)
        throw new ApiError(404, 'not_found', 'Email not found');
      return c.json(true);
    });
    app.get(`${prefix}/email/:id/html`, async (c) => {
      const id = await found(c);
      const message = await store.getMessage(id);
      const html = prepareHtml(message.html ?? '', (cid) => cidLink(options, id, cid));
      return c.body(html, 200, {
        ...capturedContentHeaders(),
        'Content-Type': 'text/html; charset=utf-8',
      });
    });
    app.get(`${prefix}/email/:id/attachment/:filename`, async (c) => {
      const id = await found(c);
      const name = c.req.param('filename');
      const part = (await store.getMessage(id)).parts.find((p) => partFileName(p) === name);
      if (!part) throw new ApiError(404, 'not_found', 'File not found');
      return sendPart(false, id, await parts.readPart(id, { partId: part.partId }));
    });
    for (const [route, type] of [
      ['download', 'message/rfc822'],
      ['source', 'text/plain; charset=utf-8'],
    ] as const) {
      app.get(`${prefix}/email/:id/${route}`, async (c) => {
        const id = await found(c);
        return c.body(new Uint8Array(await store.getRaw(id)), 200, {
          ...capturedContentHeaders(),
          'Content-Type': type,
          ...(route === 'download'
            ? { 'Content-Disposition': contentDisposition('attachment', `${id}.eml`) }
            : {}),
        });
      });
    }
    app.post(`${prefix}/email/:id/relay/:relayTo?`, requireRole('releaser'), async (c) => {
      const id = await found(c);
      if (!options.relay) throw new ApiError(500, 'relay_off', 'Outgoing mail not configured');
      const to = c.req.param('relayTo');
      await options.relay.release(id, {
        to: to ? [to] : undefined,
        by: c.get('principal').name,
      });
      return c.json(true);
    });
  }
  return app;
}

/** MailDev 3's `/api/email/summary`: newest first by default, `search`, `unread=true`. */
async function summaryPage(store: Store, c: Context) {
  const skip = Math.max(0, Number(c.req.query('skip') ?? 0) || 0);
  const limit = Math.min(Math.max(1, Number(c.req.query('limit') ?? 50) || 50), SUMMARY_MAX);
  const search = c.req.query('search')?.trim();
  const parsed = search ? parseSearchQuery(search) : { text: '', terms: [] };
  const unread: SearchTerm[] =
    c.req.query('unread') === 'true' ? [{ kind: 'flag', flag: 'unread', negate: false }] : [];
  const query = { text: parsed.text, terms: [...parsed.terms, ...unread] };
  const ascending = c.req.query('sort') === 'asc';
  const [page, stats] = await Promise.all([
    ascending && query.terms.length === 0
      ? newestInArrivalOrder(store, { skip, limit, oldestFirst: true })
      : store.listMessages({ limit, offset: skip, query: query.terms.length ? query : undefined }),
    store.stats(),
  ]);
  return {
    items: page.messages.map(summaryItem),
    total: page.total,
    storeTotal: stats.total,
    unread: stats.unread,
    skip,
    limit,
  };
}
