import {
  MessageNotFoundError,
  NewerDatabaseError,
  OutboxEntryNotFoundError,
  StorageFullError,
  StorageUnavailableError,
} from '../store/errors.js';

/** An error as plain data, so that it crosses a thread with its stack, code and cause. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** SQLite's (`SQLITE_FULL`), Node's (`ENOENT`) or the store's own. */
  readonly code?: string;
  readonly id?: number;
  readonly cause?: SerializedError;
}

/** Causes followed across the thread; a cycle or a deep chain stops here. */
const MAX_CAUSES = 4;

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { id, code, cause } = error as { id?: unknown; code?: unknown; cause?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof id === 'number' ? { id } : {}),
    ...(cause !== undefined && depth < MAX_CAUSES
      ? { cause: serializeError(cause, depth + 1) }
      : {}),
  };
}

/** The store's own classes are rebuilt, so that callers can still use `instanceof`. */
export function deserializeError(error: SerializedError): Error {
  const cause = error.cause && { cause: deserializeError(error.cause) };
  const rebuilt = rebuild(error, cause);
  if (error.stack) rebuilt.stack = error.stack;
  if (error.code !== undefined) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}

function rebuild(error: SerializedError, cause: { cause: Error } | undefined): Error {
  switch (error.name) {
    case 'MessageNotFoundError':
      return new MessageNotFoundError(error.id ?? 0);
    case 'OutboxEntryNotFoundError':
      return new OutboxEntryNotFoundError(error.id ?? 0);
    case 'StorageFullError':
      return new StorageFullError(error.message, cause);
    case 'StorageUnavailableError':
      return new StorageUnavailableError(error.message, cause);
    case 'NewerDatabaseError':
      return new NewerDatabaseError(error.message, cause);
    default:
      return Object.assign(new Error(error.message, cause), { name: error.name });
  }
}
