import type { Chaos } from '../../smtp/chaos.js';
import { ApiError } from '../errors.js';
import { apiRouter } from './contract.js';
import { getChaos, setChaos } from './tools-contract.js';

/** SMTP fault injection, natively: the same state Mailpit's /api/v1/chaos and MailHog's Jim set. */
export function chaosRoutes(chaos: Chaos) {
  const app = apiRouter();
  app.openapi(getChaos, (c) => c.json({ enabled: chaos.enabled, ...chaos.state }, 200));
  app.openapi(setChaos, (c) => {
    if (!chaos.enabled)
      throw new ApiError(409, 'chaos_off', 'Chaos is off; start Sluice with --enable-chaos');
    const { triggers, jim } = c.req.valid('json');
    if (triggers) chaos.setTriggers(triggers);
    if (jim !== undefined) chaos.setJim(jim);
    return c.json({ enabled: chaos.enabled, ...chaos.state }, 200);
  });
  return app;
}
