import type { Logger } from '../log/logger.js';
import type { PartContent } from '../mail/types.js';
import type {
  MessageId,
  MessageSummary,
  NewMessage,
  Readiness,
  Store,
  StoreEvent,
} from '../store/types.js';
import {
  asBuffer,
  handOver,
  type IncomingMessage,
  type PartSelector,
  type StoreThreadOptions,
  type ThreadLog,
  type ThreadMethod,
  type ThreadRole,
} from './protocol.js';
import { StoreWorker } from './store-worker.js';

/**
 * Store methods whose arguments and results cross the thread unchanged (structured clone).
 * The rest are written out in the class: they hand bytes over without a copy.
 */
const FORWARDED = [
  'listMessages',
  'listMessagesAfter',
  'getIdentity',
  'getSearchText',
  'getMessage',
  'setRead',
  'deleteMessages',
  'prune',
  'stats',
  'listTags',
  'countTags',
  'setTags',
  'renameTag',
  'deleteTag',
  'addOutboxEntries',
  'claimDueOutbox',
  'recordOutboxAttempts',
  'renewOutboxLeases',
  'changeOutboxState',
  'requeueExpiredLeases',
  'listOutbox',
  'getOutboxEntry',
  'getOutboxHistory',
  'nextOutboxDue',
  'countOutboxByState',
  'openWebhookCursor',
  'recordWebhookAttempt',
  'advanceWebhookCursor',
  'claimWebhookCursor',
  'renewWebhookLease',
  'releaseWebhookCursor',
  'listWebhookAttempts',
] as const satisfies readonly ThreadMethod[];
type Forwarded = (typeof FORWARDED)[number];

/**
 * Served by the reader thread when there is one, so that the inbox never waits behind a
 * burst of ingest and a slow search never holds up a 250 (issue 12). Every other method
 * goes to the writer. Reads see every write whose call has returned (WAL: a read starts
 * from the latest commit), so a client that saw a 250 finds its message.
 */
const READS: ReadonlySet<ThreadMethod> = new Set<ThreadMethod>([
  'listMessages',
  'listMessagesAfter',
  'getMessage',
  'getRaw',
  'readPart',
  'stats',
]);

// A Store method with no forwarder here fails `implements Store` below, naming the method.
// The forwarders are defined on the prototype in a static block below; this tells TypeScript.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface ThreadedStore extends Pick<Store, Forwarded> {}

export interface ThreadedStoreOptions {
  /** Hears of the threads: a crash and its restart, and what a thread reports. */
  readonly logger?: Logger;
}

/**
 * The Store, served by threads of its own (store-thread.ts): a writer that also parses new
 * mail, and a reader beside it. On a 2-core machine this lets SMTP sessions run on one core
 * while SQLite writes, search indexing and MIME parsing run on the other. Every call is a
 * message to a thread; the store's events come back from the writer, before the result of
 * the call that caused them. A thread that ends on its own is started again (StoreWorker).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class ThreadedStore implements Store {
  readonly #options: StoreThreadOptions;
  readonly #logger: Logger | undefined;
  readonly #writer: StoreWorker;
  /** Started by the first read (see #reader()); null until then, or when there can be none. */
  #readerWorker: StoreWorker | null = null;
  #readerFailed = false;
  #closed = false;
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  /** Settles once the database is open (or could not be). */
  readonly ready: Promise<void>;

  constructor(options: StoreThreadOptions, hooks: ThreadedStoreOptions = {}) {
    this.#options = options;
    this.#logger = hooks.logger;
    this.#writer = this.#startWorker('writer');
    this.ready = this.#writer.ready;
  }

  /** Parses and stores a message from an SMTP session, in the writer's thread. */
  capture(message: IncomingMessage): Promise<MessageSummary> {
    const { chunks, transfer } = handOver(message.raw);
    return this.#writer.call('capture', [{ ...message, raw: chunks }], transfer);
  }

  /**
   * Writes the next bytes of a message whose DATA is still arriving; `key` null starts one.
   * Resolves with the key to continue with and to give `capture` as `staged`.
   */
  stageRaw(key: number | null, chunks: readonly Buffer[]): Promise<number> {
    const handed = handOver(chunks);
    return this.#writer.call('stageRaw', [key, handed.chunks], handed.transfer);
  }

  /** Both engines stage a large message while it arrives (PostgreSQL since its migration 007). */
  get stagesLargeMessages(): boolean {
    return true;
  }

  /** Drops what was staged for a message that will not be stored. */
  discardStaged(key: number): Promise<void> {
    return this.#writer.call('discardStaged', [key]);
  }

  /** A part's decoded content (by part number or Content-ID), or null when there is none. */
  async readPart(id: MessageId, selector: PartSelector): Promise<PartContent | null> {
    const part = await this.#call<PartContent | null>('readPart', [id, selector]);
    return part && { ...part, content: asBuffer(part.content) };
  }

  addMessage(message: NewMessage): Promise<MessageSummary> {
    const { chunks, transfer } = handOver(message.raw);
    return this.#writer.call('addMessage', [{ ...message, raw: chunks }], transfer);
  }

  async getRaw(id: MessageId): Promise<Buffer> {
    return asBuffer(await this.#call<Uint8Array>('getRaw', [id]));
  }

  /**
   * The writer thread's state first (stopped, restarting, still opening: answered here,
   * not as a failed call), then the database's own checks in the thread (a write commits,
   * --max-db-size not reached). The reader does not count: the writer serves reads too.
   */
  async readiness(): Promise<Readiness> {
    const down = this.#writer.downReason;
    if (down) return { ready: false, reason: down };
    return this.#writer.call<Readiness>('readiness', []);
  }

  // Every other Store method crosses the thread as it is: one forwarder each, made here.
  static {
    for (const method of FORWARDED) {
      Object.defineProperty(ThreadedStore.prototype, method, {
        value(this: ThreadedStore, ...args: unknown[]) {
          return this.#call(method, args);
        },
      });
    }
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * For tests: ends a thread the way a crash would; it is started again by itself, once
   * `restartAfter` (if given) has settled.
   */
  killThread(role: ThreadRole = 'writer', restartAfter?: Promise<unknown>): Promise<void> {
    const worker = role === 'writer' ? this.#writer : this.#readerWorker;
    return worker?.kill(restartAfter) ?? Promise.resolve();
  }

  /** Starts the reader thread if it is not yet; resolves with whether one serves reads now. */
  async readerReady(): Promise<boolean> {
    await this.ready;
    const reader = this.#reader();
    return reader ? reader.ready.then(() => reader.running).catch(() => false) : false;
  }

  /** Closes the database (committing what was submitted) and ends the threads. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.ready.catch(() => {});
    await this.#readerWorker?.close();
    await this.#writer.close();
    this.#listeners.clear();
  }

  #call<T>(method: ThreadMethod, args: readonly unknown[]): Promise<T> {
    const reader = READS.has(method) ? this.#reader() : null;
    return (reader?.running ? reader : this.#writer).call<T>(method, args);
  }

  /**
   * The reader thread, started by the first read: ~20 MB that a server nobody reads from
   * (a CI job that only captures) does not spend. Reads go to the writer until it serves.
   */
  #reader(): StoreWorker | null {
    if (this.#readerWorker || this.#readerFailed || this.#closed) return this.#readerWorker;
    // No second connection can see an in-memory database; nor one the writer has not opened.
    // PostgreSQL's writer keeps a pool: its reads already run beside its writes.
    if (this.#options.engine !== 'sqlite' || this.#options.path === ':memory:') return null;
    if (!this.#writer.running) return null;
    const reader = this.#startWorker('reader');
    this.#readerWorker = reader;
    reader.ready.catch((error: unknown) => {
      this.#readerFailed = true;
      this.#readerWorker = null;
      this.#logger?.warn('no reader thread; the writer serves reads too', {
        error: (error as Error).message,
      });
    });
    return reader;
  }

  #startWorker(role: ThreadRole): StoreWorker {
    const name = role === 'writer' ? "the store's thread" : "the store's reader thread";
    return new StoreWorker({
      data: { role, store: this.#options },
      onEvent: (event) => {
        for (const listener of this.#listeners) listener(event);
      },
      onLog: (log) => this.#log(name, log),
      onCrash: (error) =>
        this.#logger?.error(`${name} stopped; restarting it`, { error: error.message }),
      onRestart: () => this.#logger?.info(`${name} is serving again`),
    });
  }

  #log(name: string, log: ThreadLog): void {
    this.#logger?.[log.level](`${name}: ${log.message}`, {
      error: log.error?.message,
      stack: log.error?.stack,
    });
  }
}
