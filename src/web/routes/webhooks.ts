import { Hono } from 'hono';
import type { Store } from '../../store/types.js';
import type { Webhooks } from '../../webhooks/webhooks.js';
import { ApiError, badRequest } from '../errors.js';
import { cursorParam } from '../input.js';

const MAX_ATTEMPTS_PAGE = 500;

/**
 * The configured webhooks and each one's delivery attempts, newest first. Readers may look:
 * nothing here changes state, and neither a secret nor a URL's path or query is shown.
 */
export function webhookRoutes(webhooks: Webhooks, store: WebhookAttemptReader) {
  const app = new Hono();
  app.get('/webhooks', async (c) => c.json({ webhooks: await webhooks.list() }));
  app.get('/webhooks/:name/deliveries', async (c) => {
    const name = c.req.param('name');
    if (!webhooks.has(name))
      throw new ApiError(
        404,
        'not_found',
        `No webhook named "${name.slice(0, 64)}"; see GET /api/webhooks`,
      );
    const limitText = c.req.query('limit') ?? '50';
    const limit = Number(limitText);
    if (!/^\d{1,3}$/.test(limitText) || limit < 1 || limit > MAX_ATTEMPTS_PAGE)
      throw badRequest(`limit must be a whole number from 1 to ${MAX_ATTEMPTS_PAGE}`);
    const before = cursorParam(
      c,
      'before',
      'before must be an attempt id (the previous nextCursor)',
    );
    return c.json(await store.listWebhookAttempts(name, { limit, before }));
  });
  return app;
}

type WebhookAttemptReader = Pick<Store, 'listWebhookAttempts'>;
