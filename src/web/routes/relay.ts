import type { Context } from 'hono';
import { RelayOffError, VerifyTooSoonError } from '../../relay/errors.js';
import type { RelayService } from '../../relay/types.js';
import type { Store } from '../../store/types.js';
import { ApiError } from '../errors.js';
import { apiRouter } from './contract.js';
import * as api from './relay-contract.js';

/**
 * The relay: status, per-message decisions and history, release, approve/reject, the outbox.
 * Reading is for readers; everything that lets mail leave (or stops it) needs a releaser
 * (declared in relay-contract.ts), whose name is recorded on the outbox entries.
 */
export function relayRoutes(store: Store, relay: RelayService = NO_RELAY) {
  const app = apiRouter();
  const by = (c: Context) => c.get('principal').name;

  app.openapi(api.relayStatus, async (c) => c.json(await relay.status(), 200));
  app.openapi(api.verifyRelay, async (c) => {
    try {
      return c.json(await relay.verify(), 200);
    } catch (error) {
      if (!(error instanceof VerifyTooSoonError)) throw error;
      c.header('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
      throw new ApiError(429, 'too_many_requests', error.message);
    }
  });

  app.openapi(api.explainRelay, async (c) =>
    c.json(await relay.explain(c.req.valid('param').id), 200),
  );

  // No body at all means what {} means: the message's own recipients.
  app.openapi(api.releaseMessage, async (c) => {
    const { to } = c.req.valid('json');
    const entries = await relay.release(c.req.valid('param').id, { to, by: by(c) });
    return c.json({ entries }, 200);
  });

  app.openapi(api.approveHeld, async (c) =>
    c.json({ entries: await relay.approve(c.req.valid('json').ids, by(c)) }, 200),
  );
  app.openapi(api.rejectHeld, async (c) =>
    c.json({ entries: await relay.reject(c.req.valid('json').ids, by(c)) }, 200),
  );

  app.openapi(api.listOutbox, async (c) => {
    if (!relay.enabled) throw new RelayOffError();
    const { limit, before, state } = c.req.valid('query');
    return c.json(await store.listOutbox({ limit, before, states: state }), 200);
  });

  app.openapi(api.retryEntry, async (c) =>
    c.json(await relay.retry(c.req.valid('param').id, by(c)), 200),
  );
  app.openapi(api.cancelEntry, async (c) =>
    c.json(await relay.cancel(c.req.valid('param').id, by(c)), 200),
  );

  return app;
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
