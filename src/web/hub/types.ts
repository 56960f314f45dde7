import type { MessageId, StoreEvent } from '../../store/types.js';
import type { Encoding } from './encoding.js';

/** Bytes as a format makes them; strings are sent as UTF-8. */
export type Wire = string | Uint8Array;

/** What a format makes of one event: its bytes, several messages ('message' framing), or nothing. */
export type Encoded = Wire | readonly Wire[] | null;

/** What a subscriber is told first. */
export interface Greeting {
  /** The resume point the replay starts after; null when the client did not resume (or was reset). */
  readonly resumedAfter: MessageId | null;
  /** The database's instance id (see StoreIdentity): a client that saw another one must reload. */
  readonly instanceId: string;
}

export type ResetReason =
  /** The resume point is above any id this database ever gave (another or a recreated database). */
  | 'unknown-resume-point'
  /** The client named another database instance than this one. */
  | 'other-database'
  /** The client did not read fast enough and its queue reached its bound; it is disconnected. */
  | 'fell-behind'
  /**
   * A batch too large to send to every client as events (fanout-budget.ts): it came as this
   * one reset instead, and the stream goes on.
   */
  | 'burst';

/** "Reload everything, then continue after `lastMessageId`." */
export interface ResetNotice {
  readonly reason: ResetReason;
  readonly instanceId: string;
  /** Everything up to this id is in the database; live events continue after it. */
  readonly lastMessageId: MessageId;
}

/**
 * How one kind of client sees the events. `encode` runs once per event per format, whatever
 * the number of clients; the hub sends the same bytes to all of them.
 */
export interface WireFormat {
  /** For logs. */
  readonly name: string;
  /**
   * 'stream': a batch's events are joined into one write (SSE over HTTP: one syscall per client
   * per batch). 'message': one write per event (a WebSocket message each).
   */
  readonly framing: 'stream' | 'message';
  /**
   * One store event, or null when this format does not carry it. A format that must read the
   * store for it (MailHog's whole message) returns a promise: the hub waits for it before
   * that batch goes to anyone, and keeps batches in order.
   */
  encode(event: StoreEvent): Encoded | Promise<Encoded>;
  hello(greeting: Greeting): Wire | null;
  reset(notice: ResetNotice): Wire | null;
  /** Sent to a client that was sent nothing for a while, so that proxies keep it open. */
  readonly heartbeat: Wire | null;
  /**
   * Past the fan-out budget a batch may go as one `reset({ reason: 'burst' })` instead of
   * its events: only for formats whose clients reload on it (the native stream; the inbox).
   */
  readonly resetsBursts?: boolean;
}

/**
 * Where a subscriber's bytes go. A Node ServerResponse or net.Socket is one as it is; a
 * WebSocket needs a few lines of adapter (write = send one message, drain = its socket's).
 */
export interface HubSink {
  /** False when the peer's buffer is full: the hub then writes nothing more until 'drain'. */
  write(chunk: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
  /** Ends the stream after what was written (the client may reconnect). */
  end(): void;
  /** Cuts the connection: for a client that stopped reading. */
  destroy(): void;
}

export interface SubscribeOptions {
  readonly format: WireFormat;
  /** Replay every message stored after this id first (a reconnect's Last-Event-ID). */
  readonly resumeAfter?: MessageId | null;
  /** The instance id the client saw before; another one gets a reset. */
  readonly instanceId?: string | null;
  /**
   * How the bytes travel ('stream' framing only): IDENTITY, or DEFLATE for an HTTP client
   * whose Accept-Encoding allows it (encoding.ts, negotiateEncoding). Default IDENTITY.
   */
  readonly encoding?: Encoding;
  /**
   * Called once the hub accepts the subscription, just before the greeting is written: the
   * place to send the HTTP head or finish a WebSocket handshake.
   */
  open(): HubSink;
}

export interface Subscription {
  /** The client went away (its socket closed): stop sending and free its queue. Idempotent. */
  close(): void;
}
