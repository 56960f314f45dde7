import type { PartContent, PartSelector } from '../../mail/types.js';
import type { MessageId, Store } from '../../store/types.js';
import {
  capturedContentHeaders,
  contentDisposition,
  downloadType,
  inlineImageType,
  placeholdRemoteImages,
  prepareHtml,
} from '../captured.js';
import { ApiError } from '../errors.js';
import { listOptions, selectionOf } from '../input.js';
import { waitForMessage } from '../wait.js';
import type { MessageWaiters } from '../waiters.js';
import { apiRouter } from './contract.js';
import * as api from './messages-contract.js';

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
  const app = apiRouter();

  app.openapi(api.listMessages, async (c) =>
    c.json(await store.listMessages(listOptions(c.req.valid('query'))), 200),
  );
  app.openapi(api.searchMessages, async (c) =>
    c.json(await store.listMessages(listOptions(c.req.valid('query'), true)), 200),
  );
  app.openapi(api.waitForMessage, async (c) => c.json(await waitForMessage(waiters, c), 200));

  app.openapi(api.markMessages, async (c) => {
    const { read, ...selection } = c.req.valid('json');
    return c.json({ updated: await store.setRead(selectionOf(selection), read) }, 200);
  });
  app.openapi(api.deleteSelected, async (c) =>
    c.json({ deleted: await store.deleteMessages(selectionOf(c.req.valid('json'))) }, 200),
  );
  app.openapi(api.deleteAll, async (c) =>
    c.json({ deleted: await store.deleteMessages({ all: true }) }, 200),
  );

  app.openapi(api.getMessage, async (c) =>
    c.json(await store.getMessage(c.req.valid('param').id), 200),
  );
  app.openapi(api.markMessage, async (c) => {
    const { id } = c.req.valid('param');
    await store.getMessage(id);
    await store.setRead({ ids: [id] }, c.req.valid('json').read);
    return c.json(await store.getMessage(id), 200);
  });
  app.openapi(api.deleteMessage, async (c) => {
    const { id } = c.req.valid('param');
    if ((await store.deleteMessages({ ids: [id] })) === 0)
      throw new ApiError(404, 'not_found', `no message with id ${id}`);
    return c.json({ deleted: 1 as const }, 200);
  });

  app.openapi(api.getHeaders, async (c) => {
    const message = await store.getMessage(c.req.valid('param').id);
    return c.json({ headers: message.headers }, 200);
  });

  app.openapi(api.getRaw, async (c) => {
    const { id } = c.req.valid('param');
    const raw = await store.getRaw(id);
    const kind = c.req.valid('query').download !== undefined ? 'attachment' : 'inline';
    return c.body(new Uint8Array(raw), 200, {
      ...capturedContentHeaders(),
      'Content-Type': 'message/rfc822',
      'Content-Disposition': contentDisposition(kind, `message-${id}.eml`),
    });
  });

  app.openapi(api.getHtml, async (c) => {
    const { id } = c.req.valid('param');
    const message = await store.getMessage(id);
    if (message.html === null)
      throw new ApiError(404, 'not_found', `message ${id} has no HTML body`);
    const remote = c.req.valid('query').remote === '1';
    const prepared = prepareHtml(message.html, (cid) =>
      imageLink(`${basePath}api/messages/${id}/cid/${encodeURIComponent(cid)}`),
    );
    const html = remote ? prepared : placeholdRemoteImages(prepared);
    return c.body(html, 200, {
      ...capturedContentHeaders({ remote }),
      'Content-Type': 'text/html; charset=utf-8',
    });
  });

  app.openapi(api.getPart, async (c) => {
    const { id, partId } = c.req.valid('param');
    const inline = c.req.valid('query').inline !== undefined;
    return sendPart(inline, id, await parts.readPart(id, { partId }));
  });

  app.openapi(api.getPartByContentId, async (c) => {
    const { id, contentId } = c.req.valid('param');
    return sendPart(true, id, await parts.readPart(id, { contentId }));
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
