import type { Logger } from '../../log/logger.js';
import type { MessageId, Store, StoreEvent } from '../../store/types.js';
import { Batch, toBytes } from './batch.js';
import { IDENTITY } from './encoding.js';
import { FanoutBudget } from './fanout-budget.js';
import { deliverInSlices } from './slices.js';
import { Subscriber, type SubscriberContext } from './subscriber.js';
import type { SubscribeOptions, Subscription } from './types.js';

/**
 * The one place store events go out to listeners (docs/architecture.md, Round 2: "one event hub").
 *
 * It holds the process's one store subscription and gathers events into batches: the first
 * event after a quiet spell goes out at once, a burst waits for the next flush. Each batch is
 * encoded once per wire format (and compressed once for clients that take deflate), and the
 * same bytes go to every client of that format in one write each. A client whose socket is
 * full is not written to until it drains; what it misses meanwhile waits in its own bounded
 * queue (subscriber.ts), past which it gets a `reset` and is closed. The pause after a flush
 * grows with what the flush cost, so that fan-out keeps to MAX_FANOUT_SHARE of the loop; and
 * past a byte rate for all clients together (fanout-budget.ts) a batch goes to the native
 * stream's clients as one `reset` ('burst': reload, then continue) instead of its events.
 *
 * API, for every kind of listener:
 * - `hub.subscribe({ format, resumeAfter, instanceId, encoding, open })` → Subscription: a
 *   client connection. `format` (types.ts, WireFormat) makes the bytes of one event, the
 *   greeting, the reset and the heartbeat; its `framing` says whether a batch is one write
 *   ('stream': SSE) or one write per event ('message': a WebSocket message each). `open()`
 *   is called once the hub accepts, and returns the sink (a ServerResponse or socket as it
 *   is; a WebSocket with a small adapter: write = send, 'drain' = its socket's). Call
 *   `subscription.close()` when the connection closes. With `resumeAfter` the client first
 *   gets every message stored after that id, read a page at a time as it drains.
 * - `serveEventStream(c, hub, { format, headers, ... })` (http-stream.ts) does all of that
 *   for a streaming HTTP response, Accept-Encoding included: a route is a few lines on it.
 * - `hub.listen(listener)` → unlisten: in-process consumers (the /wait waiters, webhooks)
 *   get each flushed batch's events, in order, synchronously.
 * A feed is a WireFormat object and a route: the native SSE (routes/events.ts), Mailpit's
 * WebSocket (compat/mailpit-events.ts, through websocket-sink.ts) and MailHog's SSE
 * (compat/mailhog.ts, whose encode reads each message from the store, once per event).
 */

/** The shortest pause between two flushes: a burst of mail is one write per client. */
export const MIN_FLUSH_INTERVAL_MS = 50;
/** The longest: events are never held back longer than this, however many clients. */
export const MAX_FLUSH_INTERVAL_MS = 5000;
/**
 * The share of the event loop fan-out may take. With thousands of clients one flush costs
 * about 20 µs a client (100 ms for 5,000); the next one waits long enough to keep to this
 * share, so that SMTP sessions on the same thread keep their pace (clients then get bigger
 * batches, and a second or so later: issue 12's goal is ingest at 90 % with them).
 */
export const MAX_FANOUT_SHARE = 0.05;

/** A comment line to clients sent nothing for this long, so that proxies keep them open. */
export const HEARTBEAT_MS = 20_000;

export class HubClosedError extends Error {
  override name = 'HubClosedError';
}

export interface EventHubOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Bytes per second sent in full to all clients together (default FANOUT_BYTES_PER_SECOND). */
  readonly fanoutBytesPerSecond?: number;
}

export class EventHub {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #subscribers = new Set<Subscriber>();
  readonly #listeners = new Set<(events: readonly StoreEvent[]) => void>();
  readonly #unsubscribe: () => void;
  #ready: Promise<string> | undefined;
  /** Known once the first client subscribed (before that, nobody needs a reset). */
  #instanceId = '';
  readonly #budget: FanoutBudget;
  #pending: StoreEvent[] = [];
  /** The highest message id seen (from the store's identity, then from stored events). */
  #lastId: MessageId = 0;
  #flushTimer: NodeJS.Timeout | undefined;
  /** Batches flushed so far; a subscriber gets those after the one it joined at. */
  #seq = 0;
  /** Batches on their way (encoding, or written a slice at a time); later ones queue behind. */
  #delivering = 0;
  #delivered: Promise<void> = Promise.resolve();
  #nextFlushAt = 0;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: EventHubOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#budget = new FanoutBudget(options.fanoutBytesPerSecond);
    this.#unsubscribe = this.#store.subscribe((event) => this.#receive(event));
  }

  /** Clients connected now (those being reset are no longer counted). */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Hears every batch of events, in order; returns the way to stop. */
  listen(listener: (events: readonly StoreEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * A new client. Its live stream starts at the newest event: anything still pending is
   * flushed first, so a replay (up to #lastId, from the store) and the live batches (above
   * it) neither overlap nor leave a gap.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const instanceId = await this.#identity();
    if (this.#closed) throw new HubClosedError('the server is shutting down');
    this.#flush();
    const lastId = this.#lastId;
    const { format, resumeAfter = null } = options;
    const reason =
      options.instanceId && options.instanceId !== instanceId
        ? 'other-database'
        : resumeAfter !== null && resumeAfter > lastId
          ? 'unknown-resume-point'
          : null;
    const resumed = reason === null ? resumeAfter : null;
    const first = [
      format.hello({ resumedAfter: resumed, instanceId }),
      reason && format.reset({ reason, instanceId, lastMessageId: lastId }),
    ].flatMap((wire) => (wire ? [toBytes(wire)] : []));
    const replay = resumed === null ? null : { after: resumed, until: lastId };
    const subscriber = new Subscriber({
      context: this.#context(instanceId),
      format,
      encoding: format.framing === 'stream' ? (options.encoding ?? IDENTITY) : IDENTITY,
      sink: options.open(),
      replay,
      joinedAfter: this.#seq,
    });
    this.#subscribers.add(subscriber);
    this.#startHeartbeats();
    subscriber.start(first);
    return subscriber;
  }

  /** Ends every stream at once (a shutdown must not wait for a heartbeat). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    clearTimeout(this.#flushTimer);
    clearInterval(this.#heartbeatTimer);
    this.#listeners.clear();
    for (const subscriber of [...this.#subscribers]) subscriber.finish();
    this.#pending = [];
  }

  #identity(): Promise<string> {
    this.#ready ??= this.#store.getIdentity().then((identity) => {
      this.#lastId = Math.max(this.#lastId, identity.lastMessageId);
      this.#instanceId = identity.instanceId;
      return identity.instanceId;
    });
    return this.#ready;
  }

  #context(instanceId: string): SubscriberContext {
    return {
      store: this.#store,
      logger: this.#logger,
      instanceId,
      lastMessageId: () => this.#lastId,
      detach: (subscriber) => this.#subscribers.delete(subscriber),
    };
  }

  #receive(event: StoreEvent): void {
    if (this.#closed) return;
    if (event.type === 'stored') this.#lastId = Math.max(this.#lastId, event.message.id);
    this.#pending.push(event);
    this.#scheduleFlush();
  }

  /** The next flush, after the pause; none while a batch is still being written. */
  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined || this.#delivering > 0 || this.#pending.length === 0)
      return;
    const wait = Math.max(0, this.#nextFlushAt - performance.now());
    this.#flushTimer = setTimeout(() => this.#flush(), wait).unref();
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.length === 0) return;
    const batch = new Batch(this.#pending, ++this.#seq);
    // Every event received so far is in this batch: a reset for it continues after this id.
    const lastId = this.#lastId;
    this.#pending = [];
    for (const listener of this.#listeners) listener(batch.events);
    const formats = new Set([...this.#subscribers].map((subscriber) => subscriber.format));
    // A format that reads the store to encode holds this batch, and the ones after it, back.
    const encoding = [...formats].flatMap((format) => batch.prepare(format) ?? []);
    this.#delivering++;
    this.#delivered = this.#delivered
      .then(() => Promise.all(encoding))
      .then(() => this.#deliver(batch, lastId))
      .catch((error: Error) =>
        this.#logger.error('event delivery failed', { error: error.message }),
      )
      .finally(() => {
        this.#delivering--;
        this.#scheduleFlush();
      });
  }

  /**
   * Writes the batch to the clients connected now, a slice at a time (a client that joins
   * meanwhile has this batch in its replay), then sets the pause before the next flush.
   */
  async #deliver(batch: Batch, lastMessageId: MessageId): Promise<void> {
    if (this.#closed) return;
    this.#collapseOverBudget(batch, lastMessageId, performance.now());
    const clients = [...this.#subscribers];
    const cost = await deliverInSlices(batch, clients);
    // The pause after a flush keeps fan-out to its share of the loop: a flush that took
    // 100 ms is followed by 1.9 s for everything else.
    const pause = clamp(
      cost * (1 / MAX_FANOUT_SHARE - 1),
      MIN_FLUSH_INTERVAL_MS,
      MAX_FLUSH_INTERVAL_MS,
    );
    this.#nextFlushAt = performance.now() + pause;
    this.#logger.debug('events flushed', {
      events: batch.events.length,
      clients: clients.length,
      ms: Math.round(cost),
      pauseMs: Math.round(pause),
    });
  }

  /** A batch that would take more than the budget's allowance goes as a reset where it may. */
  #collapseOverBudget(batch: Batch, lastMessageId: MessageId, now: number): void {
    const available = this.#budget.available(now);
    let bytes = 0;
    for (const subscriber of this.#subscribers) {
      if (subscriber.format.resetsBursts) bytes += subscriber.bytesFor(batch);
      if (bytes > available) break;
    }
    if (bytes <= available) return this.#budget.spend(bytes);
    batch.collapse({ reason: 'burst', instanceId: this.#instanceId, lastMessageId });
    this.#logger.debug('a burst went to event clients as a reset', {
      events: batch.events.length,
      clients: this.#subscribers.size,
    });
  }

  #startHeartbeats(): void {
    this.#heartbeatTimer ??= setInterval(() => {
      for (const subscriber of this.#subscribers) subscriber.beat();
    }, HEARTBEAT_MS).unref();
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
