import type { Store } from '../../store/types.js';
import type { Webhooks } from '../../webhooks/webhooks.js';
import { ApiError } from '../errors.js';
import { apiRouter } from './contract.js';
import * as api from './webhooks-contract.js';

/**
 * The configured webhooks and each one's delivery attempts, newest first. Readers may look:
 * nothing here changes state, and neither a secret nor a URL's path or query is shown.
 */
export function webhookRoutes(webhooks: Webhooks, store: WebhookAttemptReader) {
  const app = apiRouter();
  app.openapi(api.listWebhooks, async (c) => c.json({ webhooks: await webhooks.list() }, 200));
  app.openapi(api.listWebhookAttempts, async (c) => {
    const { name } = c.req.valid('param');
    if (!webhooks.has(name))
      throw new ApiError(
        404,
        'not_found',
        `No webhook named "${name.slice(0, 64)}"; see GET /api/webhooks`,
      );
    const { limit, before } = c.req.valid('query');
    return c.json(await store.listWebhookAttempts(name, { limit, before }), 200);
  });
  return app;
}

type WebhookAttemptReader = Pick<Store, 'listWebhookAttempts'>;
