import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { RelayOffError, VerifyTooSoonError } from '../../relay/errors.js';
import type { RelayService } from '../../relay/types.js';
import type { OutboxState, Store } from '../../store/types.js';
import { requireRole } from '../auth/require-role.js';
import { ApiError, badRequest } from '../errors.js';
import { cursorParam, jsonBody, messageIdParam, optionalJsonBody } from '../input.js';

const OUTBOX_STATES: readonly OutboxState[] = [
  'held',
  'queued',
  'sending',
  'sent',
  'failed',
  'cancelled',
];
const idsSchema = z
  .object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) })
  .strict();
// Addresses are checked by the relay (syntax, CR/LF), which names the one that is wrong.
const releaseSchema = z.object({ to: z.array(z.unknown()).min(1).max(1000).optional() }).strict();

/**
 * The relay: status, per-message decisions and history, release, approve/reject, the outbox.
 * Reading is for readers; everything that lets mail leave (or stops it) needs a releaser,
 * whose name is recorded on the outbox entries.
 */
export function relayRoutes(store: Store, relay: RelayService = NO_RELAY) {
  const app = new Hono();
  const releaser = requireRole('releaser');
  const by = (c: Context) => c.get('principal').name;

  app.get('/relay/status', async (c) => c.json(await relay.status()));
  app.post('/relay/verify', releaser, async (c) => {
    try {
      return c.json(await relay.verify());
    } catch (error) {
      if (!(error instanceof VerifyTooSoonError)) throw error;
      c.header('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
      throw new ApiError(429, 'too_many_requests', error.message);
    }
  });

  app.get('/messages/:id/relay', async (c) => c.json(await relay.explain(messageIdParam(c))));

  app.post('/messages/:id/release', releaser, async (c) => {
    const id = messageIdParam(c);
    // No body at all means what {} means: the message's own recipients.
    const body = releaseSchema.safeParse(await optionalJsonBody(c));
    if (!body.success) throw badRequest('expected {} or {"to": ["name@example.com", ...]}');
    return c.json({ entries: await relay.release(id, { to: body.data.to, by: by(c) }) });
  });

  app.post('/relay/approve', releaser, async (c) =>
    c.json({ entries: await relay.approve(parseIds(await jsonBody(c)), by(c)) }),
  );
  app.post('/relay/reject', releaser, async (c) =>
    c.json({ entries: await relay.reject(parseIds(await jsonBody(c)), by(c)) }),
  );

  app.get('/relay/outbox', async (c) => {
    if (!relay.enabled) throw new RelayOffError();
    const limitText = c.req.query('limit') ?? '50';
    const limit = Number(limitText);
    if (!/^\d{1,3}$/.test(limitText) || limit < 1 || limit > 500)
      throw badRequest('limit must be a whole number from 1 to 500');
    const before = cursorParam(
      c,
      'before',
      'before must be an outbox id (the previous nextCursor)',
    );
    const stateText = c.req.query('state');
    const states = stateText ? stateText.split(',') : undefined;
    if (states?.some((s) => !(OUTBOX_STATES as readonly string[]).includes(s)))
      throw badRequest(`state must be one or more of ${OUTBOX_STATES.join(', ')}, comma-separated`);
    return c.json(await store.listOutbox({ limit, before, states: states as OutboxState[] }));
  });

  app.post('/relay/outbox/:id/retry', releaser, async (c) =>
    c.json(await relay.retry(messageIdParam(c), by(c))),
  );
  app.post('/relay/outbox/:id/cancel', releaser, async (c) =>
    c.json(await relay.cancel(messageIdParam(c), by(c))),
  );

  return app;
}

function parseIds(body: unknown): number[] {
  const result = idsSchema.safeParse(body);
  if (!result.success) throw badRequest('expected {"ids": [message ids]}');
  return result.data.ids;
}

const off = async (): Promise<never> => {
  throw new RelayOffError();
};

/** For a web app built without a relay (route listings in tests). */
const NO_RELAY: RelayService = {
  enabled: false,
  status: async () => ({ mode: 'off' }),
  verify: off,
  explain: off,
  release: off,
  approve: off,
  reject: off,
  retry: off,
  cancel: off,
};
