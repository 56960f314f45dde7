import type { StoreEvent } from '../../store/types.js';
import type { EventHub } from '../hub/event-hub.js';
import { serveEventStream } from '../hub/http-stream.js';
import { SSE_HEADERS, SSE_HEARTBEAT, sseFrame } from '../hub/sse.js';
import type { WireFormat } from '../hub/types.js';
import { badRequest } from '../errors.js';
import { cursorParam } from '../input.js';
import { apiRouter } from './contract.js';
import { streamEvents } from './system-contract.js';

/** Browsers reconnect this long after a dropped stream. */
const RECONNECT_MS = 1000;

/**
 * Server-Sent Events rather than WebSocket: the traffic is one-way (server to inbox),
 * EventSource reconnects by itself and sends Last-Event-ID, which is exactly the resume
 * this needs, and it is plain HTTP (proxies, curl) with no extra dependency.
 *
 * Every "stored" event has the message id as its SSE id; a client that reconnects with
 * Last-Event-ID (or ?after=ID) first gets every message it missed, then live events.
 * Read/deleted/outbox events carry no id, so they never move the resume point. A burst
 * arrives as one write holding one SSE event per message, so EventSource, Last-Event-ID and
 * every external client read the same protocol as before batching.
 *
 * `hello` names the database (`instance`); `reset` (with the id to continue after as its
 * SSE id) tells the client to reload everything: its resume point belongs to another
 * database, or it fell too far behind and is disconnected, or (reason `burst`) a burst of
 * mail was too large to send to every client as events, and the stream goes on after it.
 */
export const nativeSse: WireFormat = {
  name: 'sse',
  framing: 'stream',
  encode: encodeEvent,
  hello: (greeting) =>
    sseFrame({
      event: 'hello',
      data: JSON.stringify({ resumedAfter: greeting.resumedAfter, instance: greeting.instanceId }),
      retry: RECONNECT_MS,
    }),
  reset: (notice) =>
    sseFrame({
      event: 'reset',
      id: String(notice.lastMessageId),
      data: JSON.stringify({
        reason: notice.reason,
        instance: notice.instanceId,
        lastId: notice.lastMessageId,
      }),
    }),
  heartbeat: SSE_HEARTBEAT,
  resetsBursts: true,
};

export function eventRoutes(hub: EventHub) {
  const app = apiRouter();
  app.openapi(streamEvents, (c) => {
    // A bad ?after is the caller's mistake and gets a 400. Last-Event-ID is whatever id the
    // browser saw last; one that is not ours is ignored rather than breaking the reconnect.
    const after = cursorParam(c, 'after', 'after must be a message id (the last id you saw)');
    const lastEventId = c.req.header('last-event-id')?.trim() ?? '';
    const resumeAfter = /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : (after ?? null);
    const instanceId = c.req.query('instance') ?? null;
    if (instanceId !== null && !/^[0-9a-f]{1,64}$/.test(instanceId))
      throw badRequest('instance must be the id from a hello event');
    return serveEventStream(c, hub, {
      format: nativeSse,
      resumeAfter,
      instanceId,
      headers: SSE_HEADERS,
    });
  });
  return app;
}

function encodeEvent(event: StoreEvent): string {
  switch (event.type) {
    case 'stored':
      return sseFrame({
        event: 'stored',
        id: String(event.message.id),
        data: JSON.stringify(event.message),
      });
    case 'read':
      return sseFrame({
        event: 'read',
        data: JSON.stringify({ ids: event.ids, read: event.read }),
      });
    case 'deleted':
      return sseFrame({ event: 'deleted', data: JSON.stringify({ ids: event.ids }) });
    case 'outbox':
      return sseFrame({ event: 'outbox', data: JSON.stringify({ entries: event.entries }) });
  }
}
