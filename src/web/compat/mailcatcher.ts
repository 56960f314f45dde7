import { Hono, type Context } from 'hono';
import type { MessageSummary } from '../../store/types.js';
import { capturedContentHeaders, prepareHtml } from '../captured.js';
import { ApiError } from '../errors.js';
import { sendPart } from '../routes/messages.js';
import { textErrors } from './errors.js';
import { newestInArrivalOrder } from './oldest-first.js';
import { link, parsePeerId, type CompatOptions } from './shapes.js';

/** MailCatcher's `GET /messages` lists every message; Sluice lists the newest this many. */
export const MAILCATCHER_MAX_LIST = 1000;

/** SQLite's datetime() text in UTC, as MailCatcher stores `created_at`. */
const sqliteTime = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, '');

function row(m: MessageSummary) {
  return {
    // MailCatcher's ids are integers; Sluice's already are.
    id: m.id,
    sender: `<${m.envelope.mailFrom}>`,
    recipients: m.envelope.rcptTo.map((r) => `<${r}>`),
    subject: m.subject,
    // A TEXT column in MailCatcher's database, so a string.
    size: String(m.size),
    created_at: sqliteTime(m.receivedAt),
  };
}

/** MailCatcher's routes: `/messages` (oldest first) and `/messages/:id.{json,html,plain,source,eml}`. */
export function mailcatcherRoutes(options: CompatOptions) {
  const { store, parts } = options;
  const app = new Hono();
  app.onError(textErrors);

  app.get('/messages', async (c) => {
    const page = await newestInArrivalOrder(store, { skip: 0, limit: MAILCATCHER_MAX_LIST });
    if (page.truncated)
      c.header('X-Sluice-Truncated', `newest ${MAILCATCHER_MAX_LIST} of ${page.total}`);
    return c.json(page.messages.map(row));
  });
  app.delete('/messages', async (c) => {
    await store.deleteMessages({ all: true });
    return c.body(null, 204);
  });
  app.delete('/messages/:id', async (c) => {
    const id = parsePeerId(c.req.param('id'));
    if (id === null || (await store.deleteMessages({ ids: [id] })) === 0)
      throw new ApiError(404, 'not_found', 'No such message');
    return c.body(null, 204);
  });
  app.get('/messages/:id/parts/:cid', async (c) => {
    const id = parsePeerId(c.req.param('id'));
    if (id === null) throw new ApiError(404, 'not_found', 'No such message');
    return sendPart(true, id, await parts.readPart(id, { contentId: c.req.param('cid') }));
  });
  app.get('/messages/:file', async (c) => {
    const match = /^(\d+)\.(json|html|plain|source|eml)$/.exec(c.req.param('file'));
    const id = parsePeerId(match?.[1]);
    if (!match || id === null) throw new ApiError(404, 'not_found', 'No such message');
    return format(c, options, id, match[2]!);
  });
  return app;
}

async function format(
  c: Context,
  options: CompatOptions,
  id: number,
  kind: string,
): Promise<Response> {
  const { store } = options;
  if (kind === 'source' || kind === 'eml') {
    return c.body(new Uint8Array(await store.getRaw(id)), 200, {
      ...capturedContentHeaders(),
      'Content-Type': kind === 'eml' ? 'message/rfc822' : 'text/plain; charset=utf-8',
    });
  }
  const message = await store.getMessage(id);
  if (kind === 'json') {
    return c.json({
      ...row(message),
      type: message.html !== null ? 'text/html' : 'text/plain',
      formats: [
        'source',
        ...(message.html !== null ? ['html'] : []),
        ...(message.text !== null ? ['plain'] : []),
      ],
      attachments: message.parts.map((p) => ({
        cid: p.contentId ?? '',
        type: p.contentType,
        filename: p.filename ?? `part-${p.partId}`,
        size: p.size,
        href: link(options, `/messages/${id}/parts/${encodeURIComponent(p.contentId ?? '')}`),
      })),
    });
  }
  const body = kind === 'html' ? message.html : message.text;
  if (body === null) throw new ApiError(404, 'not_found', `message ${id} has no ${kind} part`);
  const html = () =>
    prepareHtml(body, (cid) => link(options, `/messages/${id}/parts/${encodeURIComponent(cid)}`));
  return c.body(kind === 'html' ? html() : body, 200, {
    ...capturedContentHeaders(),
    'Content-Type': kind === 'html' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
  });
}
