import { apiUrl, type MessageSummary } from './api.js';

export type LiveEvent =
  | { readonly type: 'stored'; readonly message: MessageSummary }
  | { readonly type: 'read'; readonly ids: number[] | 'all'; readonly read: boolean }
  | { readonly type: 'deleted'; readonly ids: number[] | 'all' };

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveHandlers {
  /** Every (re)connection starts with hello; `reconnected` is false only for the first. */
  onHello(reconnected: boolean): void;
  onEvent(event: LiveEvent): void;
  onStatus(status: LiveStatus): void;
}

const RETRY_CLOSED_MS = 3000;

const outboxListeners = new Set<() => void>();

/**
 * Outbox changes (the relay), for the views that show them; the mailbox does not care.
 * The listener also runs after a reconnect, when changes may have been missed.
 */
export function onOutboxChange(listener: () => void): () => void {
  outboxListeners.add(listener);
  return () => void outboxListeners.delete(listener);
}

function notifyOutbox(): void {
  for (const listener of outboxListeners) listener();
}

/**
 * Server-Sent Events from /api/events. The server subscribes before it says hello, so a
 * list fetched after hello plus the events that follow miss nothing. EventSource
 * reconnects by itself and sends Last-Event-ID (the id of the last `stored` event), so the
 * server replays what arrived meanwhile. If the browser gives up (a proxy answered with an
 * error), a new EventSource resumes from the last id seen.
 */
export function connectLive(handlers: LiveHandlers): () => void {
  let lastId = 0;
  let hellos = 0;
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const open = () => {
    source = new EventSource(lastId > 0 ? apiUrl(`events?after=${lastId}`) : apiUrl('events'));
    source.addEventListener('hello', () => {
      handlers.onStatus('live');
      const reconnected = hellos++ > 0;
      handlers.onHello(reconnected);
      if (reconnected) notifyOutbox();
    });
    source.addEventListener('stored', (event) => {
      const message = JSON.parse(event.data) as MessageSummary;
      lastId = Math.max(lastId, message.id);
      handlers.onEvent({ type: 'stored', message });
    });
    source.addEventListener('read', (event) => {
      const data = JSON.parse(event.data) as { ids: number[] | 'all'; read: boolean };
      handlers.onEvent({ type: 'read', ids: data.ids, read: data.read });
    });
    source.addEventListener('deleted', (event) => {
      const data = JSON.parse(event.data) as { ids: number[] | 'all' };
      handlers.onEvent({ type: 'deleted', ids: data.ids });
    });
    source.addEventListener('outbox', notifyOutbox);
    source.onerror = () => {
      if (stopped) return;
      handlers.onStatus('reconnecting');
      if (source?.readyState === EventSource.CLOSED) {
        source = null;
        retryTimer = setTimeout(open, RETRY_CLOSED_MS);
      }
    };
  };

  handlers.onStatus('connecting');
  open();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    source?.close();
  };
}
