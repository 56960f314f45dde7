import { StorageFullError, StorageUnavailableError } from '../errors.js';

/** SQLSTATEs after which the same transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/**
 * PostgreSQL's failures as the store's own errors: a full disk, and a database that cannot
 * be reached or refuses writes. Other errors (a bug in a query) stay as they are.
 */
export function translateError(error: unknown): unknown {
  const code = codeOf(error);
  if (typeof code !== 'string') return error;
  const message = (error as Error).message;
  if (code === '53100')
    return new StorageFullError(`the database disk is full (${message})`, { cause: error });
  if (
    /^(08|53|57P|58)/.test(code) ||
    code === '25006' ||
    code.startsWith('CONNECT') ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'CONNECTION_CLOSED' ||
    code === 'CONNECTION_ENDED' ||
    code === 'CONNECTION_DESTROYED'
  ) {
    return new StorageUnavailableError(`the database refused the write (${code}: ${message})`, {
      cause: error,
    });
  }
  return error;
}

/**
 * Runs `work` (one transaction), again when PostgreSQL gave up on it for a deadlock or a
 * serialization failure between instances, and translates what it finally throws.
 */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = codeOf(error);
      if (attempt < MAX_ATTEMPTS && typeof code === 'string' && RETRYABLE.has(code)) continue;
      throw translateError(error);
    }
  }
}
