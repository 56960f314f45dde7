import type { Logger } from '../../log/logger.js';
import type { MessageId, Store } from '../../store/types.js';
import { Batch, toBytes } from './batch.js';
import type { ClientStream, Encoding, Piece } from './encoding.js';
import type { HubSink, Subscription, WireFormat } from './types.js';

/**
 * Bytes waiting for one client whose socket is full: about 5,000 summaries, a few batches
 * of heavy ingest (a batch can hold seconds of mail when thousands of clients listen).
 * Past it the client is reset and dropped (the inbox reloads), so memory does not grow
 * with a client that never reads again. Batches are shared: 5,000 clients behind on the
 * same events hold them once.
 */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Messages per page of a replay; a page is read only when the previous one was written. */
export const REPLAY_PAGE = 200;
/** How long a dropped client has to take its reset before its connection is cut. */
export const RESET_GRACE_MS = 10_000;

/** What a subscriber needs from its hub. */
export interface SubscriberContext {
  readonly store: Pick<Store, 'listMessagesAfter'>;
  readonly logger: Logger;
  readonly instanceId: string;
  /** Everything up to this id has been delivered (or is in a client's replay). */
  lastMessageId(): MessageId;
  /** Stop delivering batches to this subscriber. */
  detach(subscriber: Subscriber): void;
}

type State = 'live' | 'closing' | 'closed';

/**
 * One client. Writes go straight to its sink while the sink takes them; once it says it is
 * full, batches wait in a queue (references to the shared bytes) until it drains. A replay
 * is read from the store a page at a time, each page only after the last one was written.
 */
export class Subscriber implements Subscription {
  readonly #context: SubscriberContext;
  readonly #format: WireFormat;
  readonly #encoding: Encoding;
  readonly #stream: ClientStream;
  readonly #sink: HubSink;
  readonly #joinedAfter: number;
  #queue: Piece[] = [];
  #queuedBytes = 0;
  #congested = false;
  /** Messages above `after` and up to `until` still to be read from the store. */
  #replay: { after: MessageId; readonly until: MessageId } | null;
  #fetching = false;
  #state: State = 'live';
  /** Nothing written since the last heartbeat tick. */
  #idle = true;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(options: {
    context: SubscriberContext;
    format: WireFormat;
    encoding: Encoding;
    sink: HubSink;
    replay: { after: MessageId; until: MessageId } | null;
    /** The last batch flushed before this client joined. */
    joinedAfter: number;
  }) {
    const { replay } = options;
    this.#joinedAfter = options.joinedAfter;
    this.#context = options.context;
    this.#format = options.format;
    this.#encoding = options.encoding;
    this.#stream = options.encoding.open();
    this.#sink = options.sink;
    this.#replay = replay && replay.after < replay.until ? replay : null;
  }

  get format(): WireFormat {
    return this.#format;
  }

  /** Writes the greeting (and a reset, if any), then the replay, then live batches. */
  start(first: readonly Uint8Array[]): void {
    const head = this.#stream.head();
    if (head) this.#sink.write(head);
    for (const piece of this.#encoding.own(first)) this.#write(piece);
    this.#pump();
  }

  /** The bytes `deliver` would send for this batch (before any burst collapse). */
  bytesFor(batch: Batch): number {
    if (!this.#takes(batch)) return 0;
    return byteLength(this.#encoding.shared(batch, this.#format));
  }

  deliver(batch: Batch): void {
    if (!this.#takes(batch)) return;
    const pieces = this.#encoding.shared(batch, this.#format);
    if (pieces.length === 0) return;
    if (!this.#congested && this.#queue.length === 0 && !this.#replay) {
      for (const piece of pieces) this.#write(piece);
      return;
    }
    const bytes = byteLength(pieces);
    if (this.#queuedBytes + bytes > MAX_QUEUED_BYTES) return this.#fellBehind();
    this.#queue.push(...pieces);
    this.#queuedBytes += bytes;
  }

  // A batch flushed before this client joined is in its replay, not its live stream.
  #takes(batch: Batch): boolean {
    return this.#state === 'live' && batch.seq > this.#joinedAfter;
  }

  /** A heartbeat tick: a client sent nothing since the last one gets a keep-alive. */
  beat(): void {
    const heartbeat = this.#format.heartbeat;
    if (heartbeat && this.#idle && this.#state === 'live' && !this.#congested && !this.#replay)
      this.#write(this.#encoding.constant(heartbeatBytes(this.#format, heartbeat)));
    this.#idle = true;
  }

  /** Sends what is left (`last`: a reset, say), then ends the stream; cut after a grace. */
  finish(last: readonly Uint8Array[] = []): void {
    if (this.#state !== 'live') return;
    this.#state = 'closing';
    this.#context.detach(this);
    this.#replay = null;
    this.#queue = [...this.#encoding.own(last)];
    this.#queuedBytes = byteLength(this.#queue);
    this.#graceTimer = setTimeout(() => {
      this.close();
      this.#sink.destroy();
    }, RESET_GRACE_MS).unref();
    this.#pump();
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#context.detach(this);
    clearTimeout(this.#graceTimer);
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#replay = null;
  }

  #fellBehind(): void {
    const reset = this.#format.reset({
      reason: 'fell-behind',
      instanceId: this.#context.instanceId,
      lastMessageId: this.#context.lastMessageId(),
    });
    this.#context.logger.debug('an event client fell behind; reset', {
      format: this.#format.name,
      queuedBytes: this.#queuedBytes,
    });
    this.finish(reset === null ? [] : [toBytes(reset)]);
  }

  #pump(): void {
    while (!this.#congested && this.#state !== 'closed') {
      if (this.#replay) {
        if (!this.#fetching) this.#fetchPage(this.#replay);
        return;
      }
      const piece = this.#queue.shift();
      if (piece === undefined) {
        if (this.#state === 'closing') this.#end();
        return;
      }
      this.#queuedBytes -= piece.bytes.byteLength;
      this.#write(piece);
    }
  }

  #fetchPage(replay: { after: MessageId; readonly until: MessageId }): void {
    this.#fetching = true;
    this.#readPage(replay).then(
      ({ batch, complete }) => {
        this.#fetching = false;
        if (this.#replay !== replay) return;
        for (const piece of this.#encoding.own(batch.chunksFor(this.#format))) this.#write(piece);
        if (complete) this.#replay = null;
        this.#pump();
      },
      (error: unknown) => {
        // The client reconnects with the last id it got and the replay starts again there.
        this.#context.logger.warn('could not read the replay for an event client', {
          error: (error as Error).message,
        });
        this.#end();
      },
    );
  }

  /** The next page of a replay, encoded for this client. */
  async #readPage(replay: { after: MessageId; readonly until: MessageId }) {
    const page = await this.#context.store.listMessagesAfter(replay.after, REPLAY_PAGE);
    const messages = page.filter((message) => message.id <= replay.until);
    replay.after = messages.at(-1)?.id ?? replay.after;
    const batch = new Batch(
      messages.map((message) => ({ type: 'stored' as const, message })),
      0,
    );
    await batch.prepare(this.#format);
    return { batch, complete: page.length < REPLAY_PAGE || messages.length < page.length };
  }

  #write(piece: Piece): void {
    this.#idle = false;
    try {
      if (this.#sink.write(this.#stream.bytes(piece))) return;
    } catch {
      this.close();
      this.#sink.destroy();
      return;
    }
    if (this.#congested) return;
    this.#congested = true;
    this.#sink.once('drain', () => {
      this.#congested = false;
      this.#pump();
    });
  }

  #end(): void {
    this.close();
    const tail = this.#stream.tail();
    if (tail) this.#sink.write(tail);
    this.#sink.end();
  }
}

function byteLength(pieces: readonly Piece[]): number {
  let total = 0;
  for (const piece of pieces) total += piece.bytes.byteLength;
  return total;
}

const heartbeats = new WeakMap<WireFormat, Uint8Array>();

/** A format's heartbeat as the same bytes each time (so that encodings can cache it). */
function heartbeatBytes(format: WireFormat, heartbeat: string | Uint8Array): Uint8Array {
  let bytes = heartbeats.get(format);
  if (!bytes) heartbeats.set(format, (bytes = toBytes(heartbeat)));
  return bytes;
}
