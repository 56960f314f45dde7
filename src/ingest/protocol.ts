import {
  MessageNotFoundError,
  NewerDatabaseError,
  OutboxEntryNotFoundError,
  StorageFullError,
  StorageUnavailableError,
} from '../store/errors.js';
import type { Envelope, ReceivedFrom, Store, StoreEvent } from '../store/types.js';

/** A message as the SMTP session received it: raw bytes, not yet parsed. */
export interface IncomingMessage {
  readonly raw: Buffer;
  readonly envelope: Envelope;
  readonly client: ReceivedFrom;
}

/** What the store thread answers to: the Store's methods, and `capture` (parse, then add). */
export type ThreadMethod = Exclude<keyof Store, 'subscribe'> | 'capture';

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
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly id?: number;
}

/** Errors cross the thread as plain data; the store's own classes are rebuilt on arrival. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const id = (error as { id?: unknown }).id;
  return { name: error.name, message: error.message, ...(typeof id === 'number' ? { id } : {}) };
}

export function deserializeError(error: SerializedError): Error {
  switch (error.name) {
    case 'MessageNotFoundError':
      return new MessageNotFoundError(error.id ?? 0);
    case 'OutboxEntryNotFoundError':
      return new OutboxEntryNotFoundError(error.id ?? 0);
    case 'StorageFullError':
      return new StorageFullError(error.message);
    case 'StorageUnavailableError':
      return new StorageUnavailableError(error.message);
    case 'NewerDatabaseError':
      return new NewerDatabaseError(error.message);
    default:
      return Object.assign(new Error(error.message), { name: error.name });
  }
}

/**
 * The buffer to hand over without copying, when `bytes` is the whole of its memory; a
 * slice of a shared pool (Node's small buffers) must be copied instead, or the pool would go too.
 */
export function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength
    ? [buffer]
    : [];
}

/** A Buffer again, over the bytes a thread sent (structured clone delivers a Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
