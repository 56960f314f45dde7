import { apiUrl, type MessageSummary } from './api.js';

export type LiveEvent =
  | { readonly type: 'stored'; readonly message: MessageSummary }
  | { readonly type: 'read'; readonly ids: number[] | 'all'; readonly read: boolean }
  | { readonly type: 'deleted'; readonly ids: number[] | 'all' };

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveHandlers {
  /** Every (re)connection starts with hello; `reconnected` is false only for the first. */
  onHello(reconnected: boolean): void;
  /**
   * What the inbox holds may be wrong: the server's database is another one (a restart on
   * `:memory:`, a replaced file) or this client fell behind and events were dropped. Reload.
   * `burst`: the same database; a burst of mail came as this one notice instead of events.
   */
  onReset(reason: 'burst' | 'other'): void;
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
 *
 * Ids only mean something within one database: hello names it (`instance`), and a hello
 * from another one, or a `reset` (the server's answer to a resume point it cannot serve,
 * or to a client that fell behind), makes the inbox start over from the id it gives.
 */
export function connectLive(handlers: LiveHandlers): () => void {
  let lastId = 0;
  let instance: string | null = null;
  let hellos = 0;
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const reset = (reason: 'burst' | 'other' = 'other') => {
    handlers.onReset(reason);
    notifyOutbox();
  };
  const resumeUrl = () => {
    if (lastId === 0) return apiUrl('events');
    return apiUrl(`events?after=${lastId}` + (instance ? `&instance=${instance}` : ''));
  };

  const open = () => {
    source = new EventSource(resumeUrl());
    source.addEventListener('hello', (event) => {
      handlers.onStatus('live');
      const hello = JSON.parse(event.data) as { instance?: string };
      const reconnected = hellos++ > 0;
      const known = instance;
      instance = hello.instance ?? null;
      if (reconnected && known !== instance) return reset();
      handlers.onHello(reconnected);
      if (reconnected) notifyOutbox();
    });
    source.addEventListener('reset', (event) => {
      const data = JSON.parse(event.data) as { reason: string; instance: string; lastId: number };
      instance = data.instance;
      lastId = data.lastId;
      reset(data.reason === 'burst' ? 'burst' : 'other');
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
