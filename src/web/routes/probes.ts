import type { Context } from 'hono';
import type { Readiness, Store } from '../../store/types.js';
import { apiRouter } from './contract.js';
import { liveness, readiness } from './system-contract.js';

/** Probe paths, relative to the base path; they answer without sign-in and hold no mail. */
export const PROBE_PATHS: ReadonlySet<string> = new Set([
  '/api/health',
  '/api/ready',
  '/livez',
  '/readyz',
]);

/** A probe answer is reused this long: a probe every second per client costs one database write. */
const READINESS_CACHE_MS = 1000;
/** A store that does not answer in time is not ready (a stuck thread, a lock held elsewhere). */
const READINESS_TIMEOUT_MS = 3000;

/**
 * Liveness (`/api/health`, `/livez`): the process answers HTTP. Readiness (`/api/ready`,
 * `/readyz`, as Mailpit has it): the store can take mail now; 503 with the reason when not.
 */
export function probeRoutes(store: Pick<Store, 'readiness'>) {
  const ready = cachedReadiness(store);
  const app = apiRouter();
  const live = (c: Context) => c.json({ status: 'ok' as const }, 200);
  const readyOrNot = async (c: Context) => {
    const state = await ready();
    c.header('Cache-Control', 'no-store');
    return state.ready ? c.json(state, 200) : c.json(state, 503);
  };
  app.openapi(liveness, live);
  app.get('/livez', live);
  app.openapi(readiness, readyOrNot);
  app.get('/readyz', readyOrNot);
  return app;
}

function cachedReadiness(store: Pick<Store, 'readiness'>): () => Promise<Readiness> {
  let last: { at: number; answer: Promise<Readiness> } | null = null;
  return () => {
    const now = Date.now();
    if (last && now - last.at < READINESS_CACHE_MS) return last.answer;
    const answer = withTimeout(store.readiness());
    last = { at: now, answer };
    return answer;
  };
}

function withTimeout(check: Promise<Readiness>): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Readiness>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ready: false,
          reason: `the store did not answer within ${READINESS_TIMEOUT_MS / 1000}s`,
        }),
      READINESS_TIMEOUT_MS,
    );
  });
  const answered = check.catch((error: unknown): Readiness => ({
    ready: false,
    reason: (error as Error).message,
  }));
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}
