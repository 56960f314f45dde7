import { Hono } from 'hono';
import type { PartContent, PartSelector } from '../../mail/types.js';
import type { MessageId, Store } from '../../store/types.js';
import {
  capturedContentHeaders,
  contentDisposition,
  downloadType,
  inlineImageType,
  prepareHtml,
} from '../captured.js';
import { ApiError, badRequest } from '../errors.js';
import { jsonBody, listParams, messageIdParam, parseMark, parseSelection } from '../input.js';
import { waitForMessage } from '../wait.js';
import type { MessageWaiters } from '../waiters.js';

/** Decodes one part of a stored message (in the store's thread, away from the sockets). */
export interface PartReader {
  readPart(id: MessageId, selector: PartSelector): Promise<PartContent | null>;
}

export interface MessageRoutesOptions {
  /** `/` or e.g. `/mail/`. */
  readonly basePath: string;
  /** The URL an inline image of a message's HTML preview is loaded from (a signed link). */
  readonly imageLink: (path: string) => string;
  /** Pending `/messages/wait` requests, matched against each batch of new mail. */
  readonly waiters: MessageWaiters;
}

/** The native message API: list, search, read, mark and delete. */
export function messageRoutes(store: Store, parts: PartReader, options: MessageRoutesOptions) {
  const { basePath, imageLink, waiters } = options;
  const app = new Hono();

  app.get('/messages', async (c) => c.json(await store.listMessages(listParams(c))));
  app.get('/search', async (c) => c.json(await store.listMessages(listParams(c, true))));
  app.get('/messages/wait', async (c) => c.json(await waitForMessage(waiters, c)));

  app.post('/messages/mark', async (c) => {
    const { read, selection } = parseMark(await jsonBody(c));
    return c.json({ updated: await store.setRead(selection, read) });
  });
  app.post('/messages/delete', async (c) => {
    return c.json({ deleted: await store.deleteMessages(parseSelection(await jsonBody(c))) });
  });
  app.delete('/messages', async (c) =>
    c.json({ deleted: await store.deleteMessages({ all: true }) }),
  );

  app.get('/messages/:id', async (c) => c.json(await store.getMessage(messageIdParam(c))));
  app.patch('/messages/:id', async (c) => {
    const id = messageIdParam(c);
    const body = (await jsonBody(c)) as { read?: unknown };
    if (typeof body !== 'object' || body === null || typeof body.read !== 'boolean') {
      throw badRequest('expected {"read": true} or {"read": false}');
    }
    await store.getMessage(id);
    await store.setRead({ ids: [id] }, body.read);
    return c.json(await store.getMessage(id));
  });
  app.delete('/messages/:id', async (c) => {
    const id = messageIdParam(c);
    if ((await store.deleteMessages({ ids: [id] })) === 0)
      throw new ApiError(404, 'not_found', `no message with id ${id}`);
    return c.json({ deleted: 1 });
  });

  app.get('/messages/:id/headers', async (c) => {
    const message = await store.getMessage(messageIdParam(c));
    return c.json({ headers: message.headers });
  });

  app.get('/messages/:id/raw', async (c) => {
    const id = messageIdParam(c);
    const raw = await store.getRaw(id);
    const kind = c.req.query('download') !== undefined ? 'attachment' : 'inline';
    return c.body(new Uint8Array(raw), 200, {
      ...capturedContentHeaders(),
      'Content-Type': 'message/rfc822',
      'Content-Disposition': contentDisposition(kind, `message-${id}.eml`),
    });
  });

  app.get('/messages/:id/html', async (c) => {
    const id = messageIdParam(c);
    const message = await store.getMessage(id);
    if (message.html === null)
      throw new ApiError(404, 'not_found', `message ${id} has no HTML body`);
    const html = prepareHtml(message.html, (cid) =>
      imageLink(`${basePath}api/messages/${id}/cid/${encodeURIComponent(cid)}`),
    );
    return c.body(html, 200, {
      ...capturedContentHeaders({ remote: c.req.query('remote') === '1' }),
      'Content-Type': 'text/html; charset=utf-8',
    });
  });

  app.get('/messages/:id/parts/:partId', async (c) => {
    const id = messageIdParam(c);
    const partId = c.req.param('partId');
    if (!/^\d{1,6}$/.test(partId))
      throw badRequest('partId must be a part number from the message detail');
    return sendPart(c.req.query('inline') !== undefined, id, await parts.readPart(id, { partId }));
  });

  app.get('/messages/:id/cid/:contentId', async (c) => {
    const id = messageIdParam(c);
    return sendPart(true, id, await parts.readPart(id, { contentId: c.req.param('contentId') }));
  });

  return app;
}

/** A decoded part as a download, or inline when it is an image a browser can show safely. */
export function sendPart(wantInline: boolean, id: number, part: PartContent | null): Response {
  if (!part) throw new ApiError(404, 'not_found', `message ${id} has no such part`);
  const { info, content } = part;
  const inline = wantInline ? inlineImageType(info.contentType) : null;
  return new Response(new Uint8Array(content), {
    headers: {
      ...capturedContentHeaders(),
      'Content-Type': inline ?? downloadType(info.contentType),
      'Content-Disposition': contentDisposition(
        inline ? 'inline' : 'attachment',
        info.filename ?? `part-${info.partId}`,
      ),
      'Content-Length': String(content.length),
    },
  });
}
