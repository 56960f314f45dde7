import { Hono, type Context } from 'hono';
import type { SearchQuery } from '../../store/search-query.js';
import type { MessageDetail, MessageId, MessageSummary, Store } from '../../store/types.js';
import { capturedContentHeaders } from '../captured.js';
import { ApiError } from '../errors.js';
import { canonicalHeaderName } from './raw-mime.js';
import {
  addressText,
  link,
  bodyText,
  goField,
  parsePeerId,
  peerId,
  tryJson,
  type CompatOptions,
} from './shapes.js';
import { textErrors } from './errors.js';

/** Inbucket keeps 500 messages per mailbox; a mailbox listing here stops at the newest 500. */
export const INBUCKET_MAX_MAILBOX = 500;
/** Candidates (found by a `to:` search) read to find a mailbox's messages, at most. */
const MAX_CANDIDATES = 5000;

/** Inbucket's mailbox name for an address: the local part, lower-cased, `+tag` removed. */
export function mailboxName(address: string): string {
  const local = address.includes('@') ? address.slice(0, address.lastIndexOf('@')) : address;
  return local.toLowerCase().replace(/\+.*$/, '');
}

function belongsTo(m: MessageSummary, mailbox: string): boolean {
  const addresses = [
    ...m.envelope.rcptTo,
    ...m.to.map((a) => a.address),
    ...m.cc.map((a) => a.address),
  ];
  return addresses.some((a) => mailboxName(a) === mailbox);
}

/**
 * A mailbox's messages, newest first: a `to:` search finds the candidates (the index does
 * the work), and only exact mailbox matches are kept (`to:` also matches "xbob" for "bob").
 */
async function mailboxMessages(store: Store, mailbox: string): Promise<MessageSummary[]> {
  const query: SearchQuery = {
    text: mailbox,
    terms: [{ kind: 'text', field: 'to', value: mailbox, negate: false }],
  };
  const found: MessageSummary[] = [];
  let before: MessageId | undefined;
  for (let read = 0; read < MAX_CANDIDATES && found.length < INBUCKET_MAX_MAILBOX;) {
    const page = await store.listMessages({ limit: 500, before, query });
    read += page.messages.length;
    found.push(...page.messages.filter((m) => belongsTo(m, mailbox)));
    if (page.nextCursor === null) break;
    before = page.nextCursor;
  }
  return found.slice(0, INBUCKET_MAX_MAILBOX);
}

function header(mailbox: string, m: MessageSummary) {
  return {
    mailbox,
    id: peerId(m.id),
    from: m.from ? addressText(m.from) : m.envelope.mailFrom,
    to: m.to.map(addressText),
    subject: m.subject,
    date: m.receivedAt,
    'posix-millis': Date.parse(m.receivedAt),
    size: m.size,
    seen: m.read,
  };
}

function message(c: Context, options: CompatOptions, mailbox: string, m: MessageDetail) {
  const headers: Record<string, string[]> = {};
  for (const h of m.headers) {
    const name = canonicalHeaderName(h.name);
    headers[name] = [...(headers[name] ?? []), h.value];
  }
  const origin = new URL(c.req.url).origin;
  return {
    ...header(mailbox, m),
    body: { text: m.text ?? '', html: m.html ?? '' },
    header: headers,
    attachments: m.parts.map((p) => {
      const url = `${origin}${link(options, `/api/messages/${m.id}/parts/${p.partId}`)}`;
      return {
        filename: p.filename ?? `part-${p.partId}`,
        'content-type': p.contentType,
        'download-link': url,
        'view-link': `${url}?inline`,
        md5: '',
      };
    }),
  };
}

/** Inbucket's REST API v1: mailboxes by recipient local part, oldest first. */
export function inbucketRoutes(options: CompatOptions) {
  const { store } = options;
  const app = new Hono();
  app.onError(textErrors);
  const inMailbox = async (c: Context): Promise<{ mailbox: string; id: MessageId }> => {
    const mailbox = mailboxName(c.req.param('name') ?? '');
    const text = c.req.param('id');
    const messages = text === 'latest' ? await mailboxMessages(store, mailbox) : null;
    const id = messages ? (messages[0]?.id ?? null) : parsePeerId(text);
    if (id === null) throw new ApiError(404, 'not_found', 'message not found');
    if (!messages && !belongsTo(await store.getMessage(id), mailbox))
      throw new ApiError(404, 'not_found', 'message not found');
    return { mailbox, id };
  };
  const json = (c: Context, body: unknown) =>
    c.body(JSON.stringify(body), 200, {
      'Content-Type': 'application/json; charset=utf-8',
      Expires: '-1',
    });

  app.get('/api/v1/mailbox/:name', async (c) => {
    const mailbox = mailboxName(c.req.param('name'));
    const messages = await mailboxMessages(store, mailbox);
    return json(
      c,
      messages.reverse().map((m) => header(mailbox, m)),
    );
  });
  app.delete('/api/v1/mailbox/:name', async (c) => {
    const messages = await mailboxMessages(store, mailboxName(c.req.param('name')));
    if (messages.length > 0) await store.deleteMessages({ ids: messages.map((m) => m.id) });
    return json(c, 'OK');
  });
  app.get('/api/v1/mailbox/:name/:id', async (c) => {
    const { mailbox, id } = await inMailbox(c);
    return json(c, message(c, options, mailbox, await store.getMessage(id)));
  });
  app.patch('/api/v1/mailbox/:name/:id', async (c) => {
    const { id } = await inMailbox(c);
    const seen = goField(tryJson(await bodyText(c)), 'seen');
    if (typeof seen === 'boolean') await store.setRead({ ids: [id] }, seen);
    return json(c, 'OK');
  });
  app.delete('/api/v1/mailbox/:name/:id', async (c) => {
    const { id } = await inMailbox(c);
    await store.deleteMessages({ ids: [id] });
    return json(c, 'OK');
  });
  app.get('/api/v1/mailbox/:name/:id/source', async (c) => {
    const { id } = await inMailbox(c);
    return c.body(new Uint8Array(await store.getRaw(id)), 200, {
      ...capturedContentHeaders(),
      'Content-Type': 'text/plain; charset=utf-8',
    });
  });
  return app;
}
