import type { Context } from 'hono';
import { parseDuration } from '../config/values.js';
import type { MessageSummary } from '../store/types.js';
import { ApiError, badRequest } from './errors.js';
import { listParams } from './input.js';
import {
  TooManyWaitersError,
  WAITER_RETRY_AFTER_SECONDS,
  WaitersClosedError,
  type MessageWaiters,
} from './waiters.js';

const DEFAULT_WAIT_MS = 30_000;
const MAX_WAIT_MS = 300_000;

/**
 * For test suites: "wait until a message to bob@example.com arrives". Answers at once
 * with the newest match above `after` (any match when `after` is not given), otherwise
 * with the first one that arrives before the timeout.
 */
export async function waitForMessage(waiters: MessageWaiters, c: Context): Promise<MessageSummary> {
  const { query, after } = listParams(c);
  const timeoutMs = waitTimeout(c.req.query('timeout'));
  let found: MessageSummary | null;
  try {
    found = await waiters.wait({ query, after, timeoutMs, signal: c.req.raw.signal });
  } catch (error) {
    if (error instanceof TooManyWaitersError) {
      c.header('Retry-After', String(WAITER_RETRY_AFTER_SECONDS));
      throw new ApiError(503, 'too_many_waiters', `${error.message}; retry shortly`);
    }
    if (error instanceof WaitersClosedError)
      throw new ApiError(503, 'shutting_down', error.message);
    throw error;
  }
  if (!found) {
    throw new ApiError(408, 'timeout', `no matching message arrived within ${timeoutMs / 1000}s`);
  }
  return found;
}

function waitTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WAIT_MS;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw badRequest(`timeout: ${(error as Error).message}`);
  }
  if (ms > MAX_WAIT_MS) throw badRequest(`timeout may be at most ${MAX_WAIT_MS / 1000}s`);
  return ms;
}
