import { Hono, type MiddlewareHandler } from 'hono';
import type { SluiceMetrics } from '../../metrics/sluice-metrics.js';

/** Prometheus scrapes this; it sits behind the sign-in chain like every other route. */
export function metricsRoutes(metrics: Pick<SluiceMetrics, 'render'>) {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await metrics.render(), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    }),
  );
  return app;
}

/**
 * Counts the requests in progress for which `counts(c)` is true, until their response body
 * ends or the client goes: event streams and waits, read by gauges. It stands in until the
 * event hub (which owns those clients) registers its own gauges.
 */
export function openRequests(counts: (path: string) => boolean) {
  let open = 0;
  const middleware: MiddlewareHandler = async function countOpenRequests(c, next) {
    if (!counts(c.req.path)) return next();
    open++;
    let released = false;
    const release = () => {
      if (!released) open--;
      released = true;
    };
    try {
      await next();
    } catch (error) {
      release();
      throw error;
    }
    const body = c.res.body;
    if (!body) return release();
    const reader = body.getReader();
    c.res = new Response(
      new ReadableStream({
        async pull(controller) {
          const { done, value } = await reader.read().catch((error: unknown) => {
            release();
            throw error;
          });
          if (!done) return controller.enqueue(value);
          release();
          controller.close();
        },
        cancel(reason) {
          release();
          return reader.cancel(reason);
        },
      }),
      c.res,
    );
  };
  return { middleware, count: () => open };
}
