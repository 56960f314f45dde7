import { Hono } from 'hono';
import { z } from 'zod';
import type { Chaos } from '../../smtp/chaos.js';
import { ApiError, badRequest } from '../errors.js';
import { jsonBody } from '../input.js';

const trigger = z
  .object({
    errorCode: z.number().int().min(400).max(599).optional(),
    probability: z.number().min(0).max(100),
  })
  .strict();
const jim = z
  .object({
    disconnectChance: z.number().min(0).max(1),
    acceptChance: z.number().min(0).max(1),
    linkSpeedAffect: z.number().min(0).max(1),
    linkSpeedMin: z.number().min(1),
    linkSpeedMax: z.number().min(1),
    rejectSenderChance: z.number().min(0).max(1),
    rejectRecipientChance: z.number().min(0).max(1),
    rejectAuthChance: z.number().min(0).max(1),
  })
  .partial()
  .strict();
const chaosSchema = z
  .object({
    triggers: z
      .object({ sender: trigger, recipient: trigger, authentication: trigger })
      .partial()
      .strict()
      .optional(),
    jim: jim.nullable().optional(),
  })
  .strict();

/** SMTP fault injection, natively: the same state Mailpit's /api/v1/chaos and MailHog's Jim set. */
export function chaosRoutes(chaos: Chaos) {
  const app = new Hono();
  app.get('/chaos', (c) => c.json({ enabled: chaos.enabled, ...chaos.state }));
  app.put('/chaos', async (c) => {
    if (!chaos.enabled)
      throw new ApiError(409, 'chaos_off', 'Chaos is off; start Sluice with --enable-chaos');
    const body = chaosSchema.safeParse(await jsonBody(c));
    if (!body.success)
      throw badRequest(
        'expected {"triggers": {"sender": {"errorCode": 451, "probability": 50}}, "jim": {...} | null}',
      );
    if (body.data.triggers) chaos.setTriggers(body.data.triggers);
    if (body.data.jim !== undefined) chaos.setJim(body.data.jim);
    return c.json({ enabled: chaos.enabled, ...chaos.state });
  });
  return app;
}
