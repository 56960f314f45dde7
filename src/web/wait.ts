import type { Context } from 'hono';
import { parseDuration } from '../config/values.js';
import type { MessageSummary, Store } from '../store/types.js';
import { ApiError, badRequest } from './errors.js';
import { listParams } from './input.js';

const DEFAULT_WAIT_MS = 30_000;
const MAX_WAIT_MS = 300_000;

/**
 * For test suites: "wait until a message to bob@example.com arrives". Answers at once
 * with the newest match above `after` (any match when `after` is not given), otherwise
 * with the first one that arrives before the timeout.
 */
export async function waitForMessage(store: Store, c: Context): Promise<MessageSummary> {
  const { query, after } = listParams(c);
  const timeoutMs = waitTimeout(c.req.query('timeout'));
  const find = async () => (await store.listMessages({ limit: 1, query, after })).messages[0];

  let wake = () => {};
  const unsubscribe = store.subscribe((event) => {
    if (event.type === 'stored') wake();
  });
  // A client that hangs up stops the wait at once; one listener for the whole request.
  const aborted = c.req.raw.signal;
  const onAbort = () => wake();
  aborted.addEventListener('abort', onAbort, { once: true });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const found = await find();
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || aborted.aborted) {
        throw new ApiError(
          408,
          'timeout',
          `no matching message arrived within ${timeoutMs / 1000}s`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    unsubscribe();
    aborted.removeEventListener('abort', onAbort);
  }
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
