import { Hono, type Context } from 'hono';
import { parseSearchQuery, type SearchTerm } from '../../store/search-query.js';
import type { MessageDetail, MessageId, MessageSummary, Store } from '../../store/types.js';
import { capturedContentHeaders, contentDisposition, prepareHtml } from '../captured.js';
import { ApiError, badRequest } from '../errors.js';
import { sendPart } from '../routes/messages.js';
import { maildevErrors } from './errors.js';
import { newestInArrivalOrder } from './oldest-first.js';
import { bodyText, parsePeerId, peerId, peerIds, stringArray, tryJson } from './shapes.js';
import type { CompatOptions } from './shapes.js';

/**
 * MailDev's `GET /email` answers every message, each whole. Sluice answers the newest this
 * many (oldest first, as MailDev orders them) and says so in `X-Total-Count` and
 * `X-Sluice-Truncated`; `?skip=` and `/api/email/summary` page through the rest.
 */
export const MAILDEV_MAX_LIST = 200;
const SUMMARY_MAX = 200;

const maildevAddresses = (list: readonly { name: string; address: string }[]) =>
  list.map((a) => ({ address: a.address, name: a.name }));

function sizeHuman(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A file name for each part: MailDev's `generatedFileName`, unique within the message. */
const partFileName = (part: MessageDetail['parts'][number]) =>
  part.filename ?? `part-${part.partId}`;

/** MailDev's email object (2.x fields, plus 3.x's `filename`/`size` on attachments). */
export function maildevEmail(m: MessageDetail) {
  const headers: Record<string, string | string[]> = {};
  for (const h of m.headers) {
    const name = h.name.toLowerCase();
    const prior = headers[name];
    headers[name] = prior === undefined ? h.value : [prior, h.value].flat();
  }
  const attachments = m.parts.map((part) => ({
    contentType: part.contentType,
    contentDisposition: part.disposition ?? 'attachment',
    contentId: part.contentId ?? undefined,
    fileName: partFileName(part),
    filename: partFileName(part),
    generatedFileName: partFileName(part),
    length: part.size,
    size: part.size,
    transformed: true,
  }));
  return {
    id: peerId(m.id),
    // MailDev's `time` is the Date header when there is one.
    time: m.date ?? m.receivedAt,
    read: m.read,
    subject: m.subject,
    messageId: m.messageId ?? undefined,
    priority: 'normal',
    from: m.from ? [{ address: m.from.address, name: m.from.name }] : [],
    to: maildevAddresses(m.to),
    cc: maildevAddresses(m.cc),
    bcc: maildevAddresses(m.bcc),
    replyTo: maildevAddresses(m.replyTo),
    date: m.date ?? undefined,
    receivedDate: m.receivedAt,
    headers,
    text: m.text ?? '',
    html: m.html ?? '',
    attachments: attachments.length > 0 ? attachments : null,
    envelope: {
      from: { address: m.envelope.mailFrom, args: false },
      to: m.envelope.rcptTo.map((address) => ({ address, args: false })),
      host: m.client.helo,
      remoteAddress: m.client.address,
    },
    size: m.size,
    sizeHuman: sizeHuman(m.size),
    calculatedBcc: maildevAddresses(m.bcc),
  };
}

function summaryItem(m: MessageSummary) {
  return {
    id: peerId(m.id),
    time: m.date ?? m.receivedAt,
    read: m.read,
    subject: m.subject,
    size: m.size,
    sizeHuman: sizeHuman(m.size),
    from: m.from ? [{ address: m.from.address, name: m.from.name }] : [],
    to: maildevAddresses(m.to),
    cc: maildevAddresses(m.cc),
    attachmentCount: m.attachmentCount,
    preview: m.snippet,
  };
}

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
      const html = prepareHtml(
        message.html ?? '',
        (cid) => `/api/messages/${id}/cid/${encodeURIComponent(cid)}`,
      );
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
    app.post(`${prefix}/email/:id/relay/:relayTo?`, async (c) => {
      const id = await found(c);
      if (!options.relay) throw new ApiError(500, 'relay_off', 'Outgoing mail not configured');
      const to = c.req.param('relayTo');
      await options.relay.release(id, to ? [to] : undefined);
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
