import { Hono } from 'hono';
import type { WebSocket } from 'ws';
import type { StoreEvent } from '../../store/types.js';
import type { Subscription, WireFormat } from '../hub/types.js';
import { webSocketSink } from '../hub/websocket-sink.js';
import { isWebSocketUpgrade } from '../websocket.js';
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

/** Mailpit's frames on the event hub: a WebSocket message each. */
const mailpitWebSocket: WireFormat = {
  name: 'mailpit-websocket',
  framing: 'message',
  encode: mailpitFrames,
  hello: () => null,
  // A client the hub lets go (it stopped reading) is told to reload, as Mailpit says it.
  reset: () => frame('prune', null),
  // WebSocket pings (below) keep the socket open; they are not data.
  heartbeat: null,
};

/**
 * `GET /api/events` with `Upgrade: websocket` is Mailpit's live feed; without it the
 * request goes on to the native Server-Sent Events stream on the same path.
 */
export function mailpitEventRoutes(options: CompatOptions) {
  const app = new Hono();
  app.get('/api/events', async (c, next) => {
    if (!isWebSocketUpgrade(c.env, c.req.header('upgrade'))) return next();
    c.env.accept = (socket) => void attach(socket).catch(() => socket.terminate());
    return c.body(null, 204);
  });

  async function attach(socket: WebSocket): Promise<void> {
    let subscription: Subscription | null = null;
    let closed = false;
    const ping = setInterval(() => socket.ping(), PING_MS).unref();
    socket.on('close', () => {
      closed = true;
      clearInterval(ping);
      subscription?.close();
    });
    // Mailpit greets each new connection with the counts, before any event.
    const stats = await options.store.stats();
    const version = `sluice ${options.info().version}`;
    socket.send(frame('stats', { Total: stats.total, Unread: stats.unread, Version: version }));
    subscription = await options.events.subscribe({
      format: mailpitWebSocket,
      open: () => webSocketSink(socket),
    });
    if (closed) subscription.close();
  }
  return app;
}
