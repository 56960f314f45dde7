import type { RelayRule } from '../config/relay.js';
import { chunksOf } from '../mail/raw-message.js';
import type { PartSelector, RawMessage } from '../mail/types.js';
import type { StoreOptions } from '../store/open-store.js';
import type { Envelope, ReceivedFrom, Store, StoreEvent } from '../store/types.js';
import type { SerializedError } from './thread-errors.js';

export type { PartSelector };

/** What the store's thread starts with: plain data, since it crosses to the thread. */
export type StoreThreadOptions = StoreOptions & {
  /** The relay's rules, compiled in the thread to decide each captured message; none = off. */
  readonly relayRules?: readonly RelayRule[] | null;
};

/** A message as the SMTP session received it: raw bytes, not yet parsed. */
export interface IncomingMessage {
  /** The bytes not yet staged: all of a small message, the tail of a large one. */
  readonly raw: RawMessage;
  /** The staging key of the bytes written while DATA arrived (`stageRaw`), if any. */
  readonly staged?: number;
  readonly envelope: Envelope;
  readonly client: ReceivedFrom;
}

/**
 * What the store's threads answer to: the Store's methods, `capture` (parse, then add),
 * `readPart` (a part's decoded content), and the staging of a large message's bytes while
 * its DATA is still arriving.
 */
export type ThreadMethod =
  Exclude<keyof Store, 'subscribe'> | 'capture' | 'readPart' | 'stageRaw' | 'discardStaged';

/**
 * The writer owns the database: every write, and every read when it is alone (`:memory:`).
 * A reader serves reads over a read-only connection of its own, beside the writer.
 */
export type ThreadRole = 'writer' | 'reader';

export interface ThreadData {
  readonly role: ThreadRole;
  readonly store: StoreThreadOptions;
}

/** Something the thread has to say that is not an answer to a call; logged on this side. */
export interface ThreadLog {
  readonly level: 'error' | 'warn' | 'info';
  readonly message: string;
  readonly error?: SerializedError;
}

export interface ThreadCall {
  readonly id: number;
  readonly method: ThreadMethod;
  readonly args: readonly unknown[];
}

export type ThreadReply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly error: SerializedError }
  | { readonly type: 'event'; readonly event: StoreEvent }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'log'; readonly log: ThreadLog };

/**
 * Replies posted in one turn of the event loop go as one message: one structured clone and
 * one wake-up of the other thread for a whole group commit, not two for every message.
 */
export class ReplyBatch {
  readonly #send: (replies: ThreadReply[], transfer: ArrayBuffer[]) => void;
  #replies: ThreadReply[] = [];
  #transfer: ArrayBuffer[] = [];

  constructor(send: (replies: ThreadReply[], transfer: ArrayBuffer[]) => void) {
    this.#send = send;
  }

  post(reply: ThreadReply, transfer: readonly ArrayBuffer[] = []): void {
    if (this.#replies.length === 0) setImmediate(() => this.flush());
    this.#replies.push(reply);
    this.#transfer.push(...transfer);
  }

  flush(): void {
    if (this.#replies.length === 0) return;
    const replies = this.#replies;
    const transfer = this.#transfer;
    this.#replies = [];
    this.#transfer = [];
    this.#send(replies, transfer);
  }
}

/** Whether `bytes` is the whole of its memory, so that it can be handed to a thread as it is. */
export function ownsMemory(bytes: Uint8Array): boolean {
  const { buffer } = bytes;
  return (
    buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength
  );
}

/**
 * `bytes` over memory of its own. A view into a larger buffer (a socket read, Node's pool
 * of small buffers) is copied: handing the view to a thread would copy, or detach, the whole.
 */
export function ownBuffer(bytes: Buffer): Buffer {
  if (ownsMemory(bytes)) return bytes;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return Buffer.from(copy.buffer);
}

/** A raw message's chunks, and their memory to transfer (not copy) to the other thread. */
export function handOver(raw: RawMessage): { chunks: Buffer[]; transfer: ArrayBuffer[] } {
  const chunks = chunksOf(raw).map(ownBuffer);
  return { chunks, transfer: chunks.map((chunk) => chunk.buffer as ArrayBuffer) };
}

/** Buffers again, over the bytes a thread sent (structured clone delivers Uint8Arrays). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function asBuffers(raw: RawMessage): Buffer[] {
  return (Buffer.isBuffer(raw) || raw instanceof Uint8Array ? [raw] : raw).map(asBuffer);
}
