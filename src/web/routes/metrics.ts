import { Hono } from 'hono';
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
