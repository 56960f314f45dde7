import { Hono, type Context } from 'hono';
import type { JimSettings } from '../../smtp/chaos.js';
import type { SearchQuery, TextField } from '../../store/search-query.js';
import type { MessageId, MessageSummary, Store, StoreEvent } from '../../store/types.js';
import { capturedContentHeaders, contentDisposition } from '../captured.js';
import { ApiError, badRequest } from '../errors.js';
import { serveEventStream } from '../hub/http-stream.js';
import { SSE_HEADERS, sseFrame } from '../hub/sse.js';
import type { WireFormat } from '../hub/types.js';
import { textErrors } from './errors.js';
import { mailhogMessage } from './mailhog-shapes.js';
import { multipartParts, splitEntity } from './raw-mime.js';
import { bodyText, goField, parsePeerId, tryJson, type CompatOptions } from './shapes.js';
import { requireRole } from '../auth/require-role.js';

/** MailHog caps a page at 250 messages; so does Sluice. */
export const MAILHOG_MAX_PAGE = 250;
/**
 * MailHog items carry whole messages (body and raw data). A page stops before its raw bytes
 * pass this, with at least one item; `count` says how many came and `start` pages on.
 */
export const MAILHOG_PAGE_BYTES = 32 * 1024 * 1024;

const KINDS: Record<string, TextField> = { from: 'from', to: 'to', containing: 'any' };

/** MailHog's API (v2 lists and Jim, v1 per-message routes and events) over the native store. */
export function mailhogRoutes(options: CompatOptions) {
  const { store } = options;
  const app = new Hono();
  app.onError(textErrors);
  const events = mailhogEvents(store);

  app.get('/api/v2/messages', async (c) => mailhogJson(c, await itemPage(store, c)));
  app.get('/api/v2/search', async (c) => {
    const field = KINDS[c.req.query('kind') ?? ''];
    const value = c.req.query('query') ?? '';
    if (!field || !value) throw badRequest('kind (from, to or containing) and query are required');
    const query: SearchQuery = {
      text: value,
      terms: [{ kind: 'text', field, value, negate: false }],
    };
    return c.json(await itemPage(store, c, query));
  });

  app.get('/api/v1/messages/:id', async (c) => {
    const id = idParam(c);
    const [detail, raw] = await Promise.all([store.getMessage(id), store.getRaw(id)]);
    return mailhogJson(c, mailhogMessage(detail, raw, detail.client.helo));
  });
  app.delete('/api/v1/messages/:id', async (c) => {
    const id = idParam(c);
    if ((await store.deleteMessages({ ids: [id] })) === 0)
      throw new ApiError(404, 'not_found', `no message with id ${id}`);
    return c.body(null, 200);
  });
  app.get('/api/v1/messages/:id/download', async (c) => {
    const id = idParam(c);
    return c.body(new Uint8Array(await store.getRaw(id)), 200, {
      ...capturedContentHeaders(),
      'Content-Type': 'message/rfc822',
      'Content-Disposition': contentDisposition('attachment', `${id}.eml`),
    });
  });
  app.get('/api/v1/messages/:id/mime/part/:index/download', async (c) => {
    const id = idParam(c);
    const raw = await store.getRaw(id);
    const part = multipartParts(splitEntity(raw.toString('latin1')))?.[
      Number(c.req.param('index'))
    ];
    if (!part) throw new ApiError(404, 'not_found', `message ${id} has no such part`);
    const encoding = part.fields.find((f) => /^content-transfer-encoding$/i.test(f.name));
    const bytes = /base64/i.test(encoding?.value ?? '')
      ? Buffer.from(part.body, 'base64')
      : Buffer.from(part.body, 'latin1');
    return c.body(new Uint8Array(bytes), 200, {
      ...capturedContentHeaders(),
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': contentDisposition('attachment', `${id}-part-${c.req.param('index')}`),
    });
  });
  // MailHog sends to any SMTP server the request names; Sluice releases through its relay
  // (configured upstream, rules' allow-list) to the address given, and ignores Host/Port.
  app.post('/api/v1/messages/:id/release', requireRole('releaser'), async (c) => {
    const id = idParam(c);
    const email = goField(tryJson(await bodyText(c)), 'Email');
    if (typeof email !== 'string' || !email)
      throw badRequest('expected {"Email": "to@example.com"}');
    if (!options.relay) throw new ApiError(400, 'relay_off', 'the relay is off');
    await options.relay.release(id, { to: [email], by: c.get('principal').name });
    return c.body(null, 200);
  });

  app.get('/api/v1/events', (c) =>
    serveEventStream(c, options.events, { format: events, headers: SSE_HEADERS }),
  );

  app.route('/', jimRoutes(options));
  return app;
}

/** MailHog answers its lists as `text/json`; its clients accept either. */
function mailhogJson(c: Context, body: unknown): Response {
  return c.body(JSON.stringify(body), 200, { 'Content-Type': 'text/json; charset=utf-8' });
}

function idParam(c: Context): MessageId {
  const id = parsePeerId(c.req.param('id'));
  if (id === null) throw new ApiError(404, 'not_found', 'message not found');
  return id;
}

/** `{total, count, start, items}`: one keyset page, each item read whole, within a byte budget. */
async function itemPage(store: Store, c: Context, query?: SearchQuery) {
  const number = (name: string) => {
    const value = Number(c.req.query(name) ?? '');
    return Number.isInteger(value) && value > 0 ? value : 0;
  };
  const start = number('start');
  const limit = Math.min(number('limit') || 50, MAILHOG_MAX_PAGE);
  const page = await store.listMessages({ limit, offset: start, query });
  // Sizes are in the summaries: the page is cut before any raw message is read.
  const kept: MessageSummary[] = [];
  let bytes = 0;
  for (const summary of page.messages) {
    if (kept.length > 0 && bytes + summary.size > MAILHOG_PAGE_BYTES) break;
    bytes += summary.size;
    kept.push(summary);
  }
  const items = await Promise.all(kept.map((summary) => fullMessage(store, summary)));
  const total = query ? page.total : (await store.stats()).total;
  return { total, count: items.length, start, items };
}

async function fullMessage(store: Store, summary: MessageSummary) {
  return mailhogMessage(summary, await store.getRaw(summary.id));
}

/** One SSE data frame per stored message: the indented MailHog Message, as MailHog sends it. */
/**
 * MailHog's event stream: a `data` event with the whole MailHog Message for each new one
 * (read once per event from the store, whatever the number of clients), `keepalive` events
 * between. On the event hub, like every live feed.
 */
function mailhogEvents(store: Store): WireFormat {
  return {
    name: 'mailhog-sse',
    framing: 'stream',
    encode: async (event: StoreEvent) =>
      event.type === 'stored'
        ? sseFrame({
            event: 'data',
            data: JSON.stringify(await fullMessage(store, event.message), null, 2),
          })
        : null,
    hello: () => null,
    reset: () => null,
    heartbeat: sseFrame({ event: 'keepalive', data: '' }),
  };
}

const JIM_FIELDS: readonly (keyof JimSettings)[] = [
  'disconnectChance',
  'acceptChance',
  'linkSpeedAffect',
  'linkSpeedMin',
  'linkSpeedMax',
  'rejectSenderChance',
  'rejectRecipientChance',
  'rejectAuthChance',
];
const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** MailHog's Jim at /api/v2/jim, on the SMTP listener's chaos (src/smtp/chaos.ts). */
function jimRoutes(options: CompatOptions) {
  const { chaos } = options;
  const app = new Hono();
  app.onError(textErrors);
  const settings = async (c: Context): Promise<Partial<JimSettings>> => {
    const text = await bodyText(c);
    const body = text.trim() ? tryJson(text) : {};
    if (typeof body !== 'object' || body === null) throw badRequest('the body is not JSON');
    const given = JIM_FIELDS.map((name) => [name, goField(body, pascal(name))] as const);
    return Object.fromEntries(given.filter(([, value]) => value !== undefined));
  };
  const asJson = (jim: JimSettings) =>
    Object.fromEntries(JIM_FIELDS.map((name) => [pascal(name), jim[name]]));
  const running = () => {
    const jim = chaos.state.jim;
    if (!chaos.enabled || !jim) throw new ApiError(404, 'not_found', 'Jim is not enabled');
    return jim;
  };

  app.get('/api/v2/jim', (c) => c.json(asJson(running())));
  app.post('/api/v2/jim', async (c) => {
    if (!chaos.enabled) throw badRequest('Chaos is not enabled; start Sluice with --enable-chaos');
    if (chaos.state.jim) throw badRequest('Jim is already enabled');
    chaos.setJim(await settings(c));
    return c.body(null, 201);
  });
  app.put('/api/v2/jim', async (c) => {
    const current = running();
    chaos.setJim({ ...current, ...(await settings(c)) });
    return c.body(null, 200);
  });
  app.delete('/api/v2/jim', (c) => {
    running();
    chaos.setJim(null);
    return c.body(null, 200);
  });
  return app;
}
