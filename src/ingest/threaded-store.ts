import { extname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StorageUnavailableError } from '../store/errors.js';
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
  deserializeError,
  handOver,
  type IncomingMessage,
  type PartSelector,
  type StoreThreadOptions,
  type ThreadCall,
  type ThreadMethod,
  type ThreadReply,
} from './protocol.js';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

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
  'changeOutboxState',
  'requeueExpiredLeases',
  'listOutbox',
  'getOutboxEntry',
  'getOutboxHistory',
  'nextOutboxDue',
] as const satisfies readonly ThreadMethod[];
type Forwarded = (typeof FORWARDED)[number];
// A Store method with no forwarder here fails `implements Store` below, naming the method.
// The forwarders are defined on the prototype in a static block below; this tells TypeScript.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface ThreadedStore extends Pick<Store, Forwarded> {}

/**
 * The Store, served by a thread of its own (store-thread.ts) that also parses new mail.
 * On a 2-core machine this lets SMTP sessions run on one core while SQLite writes, search
 * indexing and MIME parsing run on the other. Every call is a message to the thread; the
 * store's events come back the same way, before the result of the call that caused them.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class ThreadedStore implements Store {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  /** Settles once the database is open (or could not be). */
  readonly ready: Promise<void>;
  #nextId = 1;
  #stopped: Error | null = null;
  #closing = false;
  #opened = false;

  /** `onFailure` hears of the thread ending on its own (a crash), not of close(). */
  constructor(options: StoreThreadOptions, onFailure: (error: Error) => void = () => {}) {
    this.#worker = startThread(options);
    this.ready = new Promise((resolve, reject) => {
      this.#worker.on('message', (replies: readonly ThreadReply[]) => {
        for (const reply of replies) {
          if (reply.type === 'ready') {
            this.#opened = true;
            resolve();
          } else if (reply.type === 'failed') reject(deserializeError(reply.error));
          else this.#receive(reply);
        }
      });
      this.#worker.on('error', (error) => reject(error));
    });
    // Nobody may await `ready` (a store that is never used); its failure is reported by calls.
    this.ready.catch(() => {});
    this.#worker.on('error', (error) => this.#stop(error));
    this.#worker.on('exit', (code) => {
      const wasRunning = this.#opened && !this.#stopped && !this.#closing;
      this.#stop(new Error(`it exited with code ${code}`));
      if (wasRunning) onFailure(this.#stopped!);
    });
  }

  /** Parses and stores a message from an SMTP session, in the store's thread. */
  capture(message: IncomingMessage): Promise<MessageSummary> {
    const { chunks, transfer } = handOver(message.raw);
    return this.#call('capture', [{ ...message, raw: chunks }], transfer);
  }

  /** A part's decoded content (by part number or Content-ID), or null when there is none. */
  async readPart(id: MessageId, selector: PartSelector): Promise<PartContent | null> {
    const part = await this.#call<PartContent | null>('readPart', [id, selector]);
    return part && { ...part, content: asBuffer(part.content) };
  }

  addMessage(message: NewMessage): Promise<MessageSummary> {
    const { chunks, transfer } = handOver(message.raw);
    return this.#call('addMessage', [{ ...message, raw: chunks }], transfer);
  }
  async getRaw(id: MessageId): Promise<Buffer> {
    return asBuffer(await this.#call<Uint8Array>('getRaw', [id]));
  }

  /**
   * Not forwarded like the rest: a stopped (or not yet opened) thread is answered here, as
   * not ready with the reason, instead of as a failed call.
   */
  async readiness(): Promise<Readiness> {
    if (this.#stopped) return { ready: false, reason: this.#stopped.message };
    if (!this.#opened) return { ready: false, reason: 'the database is still opening' };
    return this.#call<Readiness>('readiness', []);
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

  /** Closes the database (committing what was submitted) and ends the thread. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#closing = true;
    const exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    try {
      await this.ready;
      await this.#call<void>('close', []);
    } catch {
      // A store that never opened has nothing to close.
    }
    this.#listeners.clear();
    await exited;
  }

  #call<T>(method: ThreadMethod, args: readonly unknown[], transfer: ArrayBuffer[] = []) {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    const call: ThreadCall = { id, method, args };
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage(call, transfer);
    });
  }

  #receive(reply: ThreadReply): void {
    if (reply.type === 'event') {
      for (const listener of this.#listeners) listener(reply.event);
      return;
    }
    if (reply.type !== 'result' && reply.type !== 'error') return;
    const pending = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (reply.type === 'result') pending?.resolve(reply.value);
    else pending?.reject(deserializeError(reply.error));
  }

  /** The thread is gone: every call still waiting, and every later one, fails. */
  #stop(cause: Error): void {
    this.#stopped ??= new StorageUnavailableError(`the store's thread stopped: ${cause.message}`, {
      cause,
    });
    for (const pending of this.#pending.values()) pending.reject(this.#stopped);
    this.#pending.clear();
  }
}

/**
 * Built code runs store-thread.js; under the test runner (TypeScript sources) the thread
 * registers tsx first, so that it runs the same sources as the rest of the process.
 */
function startThread(options: StoreThreadOptions): Worker {
  // The thread's garbage is mostly short-lived parse results; a young generation of 8 MB
  // (V8's default grows to 48) is collected as often as it needs and keeps resident memory
  // ~40 MB lower after a burst of large messages, at no measurable cost in throughput.
  const settings = { workerData: options, resourceLimits: { maxYoungGenerationSizeMb: 8 } };
  const extension = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./store-thread${extension}`, import.meta.url);
  if (extension !== '.ts') return new Worker(entry, settings);
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const source =
    `const { register } = await import(${JSON.stringify(tsx)}); register();` +
    `await import(${JSON.stringify(entry.href)});`;
  return new Worker(source, { ...settings, eval: true });
}
