import { Hono } from 'hono';
import type { WebSocket } from 'ws';
import type { StoreEvent } from '../../store/types.js';
import { isWebSocketUpgrade } from '../websocket.js';
import { Fanout } from './fanout.js';
import { mailpitSummary } from './mailpit-shapes.js';
import { peerId, type CompatOptions } from './shapes.js';

/** Mailpit pings every 54 s so that proxies keep an idle socket open. */
const PING_MS = 54_000;
/** Past this many deletions at once Mailpit sends one `prune` ("reload") instead. */
const PRUNE_OVER = 200;

const frame = (type: string, data: unknown) => JSON.stringify({ Type: type, Data: data });

/** A store event as Mailpit's WebSocket frames (`{"Type", "Data"}`). Pure: one call per event. */
export function mailpitFrames(event: StoreEvent): string[] {
  switch (event.type) {
    case 'stored':
      return [frame('new', mailpitSummary(event.message))];
    case 'read':
      return event.ids === 'all'
        ? [frame('prune', null)]
        : event.ids.map((id) => frame('update', { ID: peerId(id), Read: event.read }));
    case 'deleted':
      if (event.ids === 'all') return [frame('truncate', null)];
      if (event.ids.length > PRUNE_OVER) return [frame('prune', null)];
      return event.ids.map((id) => frame('delete', { ID: peerId(id) }));
    case 'outbox':
      return [];
  }
}

/**
 * `GET /api/events` with `Upgrade: websocket` is Mailpit's live feed; without it the
 * request goes on to the native Server-Sent Events stream on the same path.
 */
export function mailpitEventRoutes(options: CompatOptions) {
  const app = new Hono();
  const feed = new Fanout(options.store, async (event) => mailpitFrames(event));
  app.get('/api/events', async (c, next) => {
    if (!isWebSocketUpgrade(c.env, c.req.header('upgrade'))) return next();
    c.env.accept = (socket) => void attach(socket);
    return c.body(null, 204);
  });

  async function attach(socket: WebSocket): Promise<void> {
    const remove = feed.add({
      send: (text) => new Promise((resolve) => socket.send(text, () => resolve())),
      drop: () => socket.terminate(),
    });
    const ping = setInterval(() => socket.ping(), PING_MS).unref();
    socket.on('close', () => {
      clearInterval(ping);
      remove();
    });
    // Mailpit greets each new connection with the counts.
    const stats = await options.store.stats();
    const version = `sluice ${options.info().version}`;
    socket.send(frame('stats', { Total: stats.total, Unread: stats.unread, Version: version }));
  }
  return app;
}
