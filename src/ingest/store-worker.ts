import { extname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StorageUnavailableError } from '../store/errors.js';
import type { StoreEvent } from '../store/types.js';
import type { ThreadCall, ThreadData, ThreadLog, ThreadMethod, ThreadReply } from './protocol.js';
import { deserializeError } from './thread-errors.js';

export interface StoreWorkerOptions {
  readonly data: ThreadData;
  readonly onEvent: (event: StoreEvent) => void;
  readonly onLog: (log: ThreadLog) => void;
  /** The thread ended on its own; calls in flight have failed and a restart is on its way. */
  readonly onCrash: (error: Error) => void;
  /** A restarted thread is serving again. */
  readonly onRestart: () => void;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** The first restart comes this soon after a crash; each failed one doubles it, up to the max. */
const RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 5_000;

/**
 * One store thread (store-thread.ts) and the calls waiting on it. When the thread ends on its
 * own, only the calls in flight fail: it is started again (issue 9), and calls made while it
 * starts wait for it. `running` is what readiness reports.
 */
export class StoreWorker {
  readonly #options: StoreWorkerOptions;
  readonly #pending = new Map<number, Pending>();
  /** Settles once the first thread is serving, or could not open the database. */
  readonly ready: Promise<void>;
  #worker: Worker | null = null;
  #running = false;
  /** Whether any thread ever served: a store that never opened is not restarted. */
  #served = false;
  #closing = false;
  /** Why the last thread stopped (or could not start). */
  #lastFailure: Error | null = null;
  #restartDelay = RESTART_DELAY_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #holdRestart: Promise<unknown> | undefined;
  #outgoing: { worker: Worker; calls: ThreadCall[]; transfer: ArrayBuffer[] } | null = null;
  #nextId = 1;

  constructor(options: StoreWorkerOptions) {
    this.#options = options;
    this.ready = this.#start();
    // Nobody may await `ready` (a store that is never used); calls report its failure.
    this.ready.catch(() => {});
  }

  /** Whether a thread is serving now (false while one restarts). */
  get running(): boolean {
    return this.#running;
  }

  /** Why no thread serves now, for readiness; null while one does. */
  get downReason(): string | null {
    if (this.#running) return null;
    if (this.#closing) return "the store's thread stopped: the store was closed";
    const cause = this.#lastFailure?.message;
    if (!this.#served) {
      return cause ? `the database could not be opened: ${cause}` : 'the database is still opening';
    }
    return `the store's thread stopped (${cause ?? 'no reason given'}); restarting it`;
  }

  call<T>(method: ThreadMethod, args: readonly unknown[], transfer: ArrayBuffer[] = []) {
    const worker = this.#worker;
    if (!worker || this.#closing) {
      return Promise.reject(new StorageUnavailableError(`the store's thread is not running`));
    }
    const id = this.#nextId++;
    const call: ThreadCall = { id, method, args };
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#send(worker, call, transfer);
    });
  }

  /**
   * Calls made in one turn of the event loop go as one message: one structured clone and one
   * wake-up of the thread for every session that finished its DATA in that turn. Calls are
   * bound to the thread they were made for: after a crash, they are not sent to the next one.
   */
  #send(worker: Worker, call: ThreadCall, transfer: readonly ArrayBuffer[]): void {
    let outgoing = this.#outgoing;
    if (!outgoing || outgoing.worker !== worker) {
      outgoing = { worker, calls: [], transfer: [] };
      this.#outgoing = outgoing;
      const sending = outgoing;
      setImmediate(() => {
        if (this.#outgoing === sending) this.#outgoing = null;
        if (this.#worker === worker) worker.postMessage(sending.calls, sending.transfer);
      });
    }
    outgoing.calls.push(call);
    outgoing.transfer.push(...transfer);
  }

  /**
   * For tests: ends the thread the way a crash would (issue 9 asks for a way to kill it).
   * The restart waits for `restartAfter` too, so that a test can look at the stopped state.
   */
  async kill(restartAfter?: Promise<unknown>): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#holdRestart = restartAfter;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await worker.terminate();
    await exited;
  }

  /** Closes the database (committing what was submitted) and ends the thread for good. */
  async close(): Promise<void> {
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (this.#closing) return;
    if (!worker) {
      // Stopped, with a restart due: it will not happen.
      this.#closing = true;
      return;
    }
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    if (this.#running) {
      // Queued before the flag below, so that close() comes after every call already made.
      const closed = this.call('close', []);
      this.#closing = true;
      await closed.catch(() => {});
    } else {
      this.#closing = true;
      await worker.terminate();
    }
    await exited;
  }

  /** Starts a thread; resolves once it serves, rejects if it fails or ends before that. */
  #start(): Promise<void> {
    const worker = startThread(this.#options.data);
    this.#worker = worker;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (replies: readonly ThreadReply[]) => {
        for (const reply of replies) {
          if (reply.type === 'ready') {
            this.#running = true;
            this.#served = true;
            this.#lastFailure = null;
            this.#restartDelay = RESTART_DELAY_MS;
            resolve();
          } else if (reply.type === 'failed') {
            this.#lastFailure = deserializeError(reply.error);
            reject(this.#lastFailure);
          } else this.#receive(reply);
        }
      });
      worker.on('error', (error) => {
        reject(error);
        this.#stopped(worker, error);
      });
      worker.on('exit', (code) => {
        const error = new Error(`the store's thread exited with code ${code}`);
        reject(error);
        this.#stopped(worker, error);
      });
    });
  }

  /** The thread is gone (an 'error' is followed by 'exit'; the first one counts). */
  #stopped(worker: Worker, cause: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    // A thread that could not open the database said why before it exited: keep that.
    this.#lastFailure ??= cause;
    const wasRunning = this.#running;
    this.#running = false;
    const failure = new StorageUnavailableError(`the store's thread stopped: ${cause.message}`, {
      cause,
    });
    for (const pending of this.#pending.values()) pending.reject(failure);
    this.#pending.clear();
    if (this.#closing || !this.#served) return;
    if (wasRunning) this.#options.onCrash(failure);
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    const held = this.#holdRestart;
    this.#holdRestart = undefined;
    this.#restartTimer = setTimeout(async () => {
      await held;
      if (this.#closing) return;
      this.#start().then(
        () => this.#options.onRestart(),
        (error: unknown) =>
          this.#options.onLog({
            level: 'error',
            message: `could not restart the store's thread: ${(error as Error).message}`,
          }),
      );
    }, delay);
    // A restart still due must not keep the process alive on its own.
    this.#restartTimer.unref();
  }

  #receive(reply: ThreadReply): void {
    if (reply.type === 'event') return this.#options.onEvent(reply.event);
    if (reply.type === 'log') return this.#options.onLog(reply.log);
    if (reply.type !== 'result' && reply.type !== 'error') return;
    const pending = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (reply.type === 'result') pending?.resolve(reply.value);
    else pending?.reject(deserializeError(reply.error));
  }
}

/**
 * Built code runs store-thread.js; under the test runner (TypeScript sources) the thread
 * registers tsx first, so that it runs the same sources as the rest of the process.
 */
function startThread(data: ThreadData): Worker {
  // The thread's garbage is mostly short-lived parse results; a young generation of 8 MB
  // (V8's default grows to 48) is collected as often as it needs and keeps resident memory
  // ~40 MB lower after a burst of large messages, at no measurable cost in throughput.
  const settings = { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 8 } };
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
