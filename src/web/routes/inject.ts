import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { ReceivedFrom } from '../../store/types.js';
import type { Capture } from '../compat/shapes.js';
import { composeMessage, envelopeOfRaw } from '../compose.js';
import { badRequest } from '../errors.js';
import { apiRouter } from './contract.js';
import { injectMessage, RawMessage } from './tools-contract.js';

/**
 * `POST /api/messages`: a message for tests of inbound-mail code, stored through the same
 * ingest as SMTP (parsed in the store's thread, tagged, relayed by the rules, pushed live).
 */
export function injectRoutes(capture: Capture) {
  const app = apiRouter();
  app.openapi(injectMessage, async (c) => {
    const body = c.req.valid('json');
    const message = 'raw' in body ? fromRaw(body) : await composeMessage(body);
    const stored = await capture({ ...message, client: httpClient(c) });
    return c.json(stored, 201);
  });
  return app;
}

function fromRaw(body: z.infer<typeof RawMessage>) {
  const raw = Buffer.from(body.raw, body.encoding);
  const envelope = body.envelope
    ? { mailFrom: body.envelope.from, rcptTo: body.envelope.to }
    : envelopeOfRaw(raw);
  if (envelope.rcptTo.length === 0)
    throw badRequest('the message names no recipient; give "envelope": {"from", "to": [...]}');
  return { raw, envelope };
}

/** Who injected it, as the SMTP side records its clients; HELO names the route. */
export function httpClient(c: Context, authUser: string | null = null): ReceivedFrom {
  let address = '';
  try {
    address = getConnInfo(c).remote.address ?? '';
  } catch {
    // In-process requests (app.request in tests) have no socket.
  }
  return { address, helo: 'http-api', authUser, tls: false };
}
