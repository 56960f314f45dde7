import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { MessageId, Store, StoreEvent } from '../../store/types.js';
import { cursorParam } from '../input.js';
import { apiRouter } from './contract.js';
import { streamEvents } from './system-contract.js';

const HEARTBEAT_MS = 20_000;
const RESUME_BATCH = 500;

/**
 * Server-Sent Events rather than WebSocket: the traffic is one-way (server to inbox),
 * EventSource reconnects by itself and sends Last-Event-ID, which is exactly the resume
 * this needs, and it is plain HTTP (proxies, curl) with no extra dependency.
 *
 * Every "stored" event has the message id as its SSE id; a client that reconnects with
 * Last-Event-ID (or ?after=ID) first gets every message it missed, then live events.
 * Read/deleted/outbox events carry no id, so they never move the resume point.
 */
export function eventRoutes(store: Store) {
  const app = apiRouter();
  app.openapi(streamEvents, (c) => {
    // A bad ?after is the caller's mistake and gets a 400. Last-Event-ID is whatever id the
    // browser saw last; one that is not ours is ignored rather than breaking the reconnect.
    const after = cursorParam(c, 'after', 'after must be a message id (the last id you saw)');
    const lastEventId = c.req.header('last-event-id')?.trim() ?? '';
    const resumeFrom = /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : (after ?? NaN);
    return streamSSE(c, async (stream) => {
      // Subscribe before reading the backlog so nothing falls between the two;
      // events that arrive meanwhile are held and de-duplicated by id.
      const pending: StoreEvent[] = [];
      let live = false;
      let lastSent: MessageId = Number.isSafeInteger(resumeFrom) ? resumeFrom : 0;
      let written = Promise.resolve();
      const send = (event: StoreEvent) => {
        if (event.type === 'stored') {
          if (event.message.id <= lastSent) return;
          lastSent = event.message.id;
        }
        // One write at a time, in order; a closed stream just drops the rest.
        written = written.then(() => writeEvent(stream, event)).catch(() => {});
      };
      const unsubscribe = store.subscribe((event) => (live ? send(event) : pending.push(event)));
      stream.onAbort(unsubscribe);

      await stream.writeSSE({
        event: 'hello',
        data: JSON.stringify({ resumedAfter: lastSent || null }),
        retry: 1000,
      });
      if (Number.isSafeInteger(resumeFrom)) {
        for (;;) {
          const missed = await store.listMessagesAfter(lastSent, RESUME_BATCH);
          for (const message of missed) send({ type: 'stored', message });
          if (missed.length < RESUME_BATCH) break;
        }
      }
      for (const event of pending.splice(0)) send(event);
      live = true;

      while (!stream.aborted && !stream.closed) {
        await stream.sleep(HEARTBEAT_MS);
        if (!stream.aborted && !stream.closed) await stream.write(': keep-alive\n\n');
      }
      unsubscribe();
    });
  });
  return app;
}

function writeEvent(stream: SSEStreamingApi, event: StoreEvent): Promise<void> {
  switch (event.type) {
    case 'stored':
      return stream.writeSSE({
        event: 'stored',
        id: String(event.message.id),
        data: JSON.stringify(event.message),
      });
    case 'read':
      return stream.writeSSE({
        event: 'read',
        data: JSON.stringify({ ids: event.ids, read: event.read }),
      });
    case 'deleted':
      return stream.writeSSE({ event: 'deleted', data: JSON.stringify({ ids: event.ids }) });
    case 'outbox':
      return stream.writeSSE({ event: 'outbox', data: JSON.stringify({ entries: event.entries }) });
  }
}
