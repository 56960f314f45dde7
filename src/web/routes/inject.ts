import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { ReceivedFrom } from '../../store/types.js';
import type { Capture } from '../compat/shapes.js';
import { composeMessage, envelopeOfRaw } from '../compose.js';
import { badRequest } from '../errors.js';
import { jsonBody } from '../input.js';

const address = z.union([
  z.email().transform((a) => ({ address: a })),
  z.object({ name: z.string().optional(), address: z.email() }).strict(),
]);
const addresses = z.array(address).max(1000);

const rawSchema = z
  .object({
    raw: z.string().min(1),
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
    envelope: z.object({ from: z.string(), to: z.array(z.email()).min(1).max(1000) }).optional(),
  })
  .strict();

const composeSchema = z
  .object({
    from: address,
    to: addresses.optional(),
    cc: addresses.optional(),
    bcc: addresses.optional(),
    replyTo: addresses.optional(),
    subject: z.string().optional(),
    text: z.string().optional(),
    html: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    tags: z.array(z.string()).max(50).optional(),
    attachments: z
      .array(
        z
          .object({
            filename: z.string(),
            content: z.string(),
            contentType: z.string().optional(),
            contentId: z.string().optional(),
          })
          .strict(),
      )
      .max(100)
      .optional(),
  })
  .strict();

const HELP =
  'expected {"raw": "<RFC 5322 message>"} (optionally "encoding": "base64" and "envelope": ' +
  '{"from", "to": [...]}) or {"from", "to", "subject", "text", "html", ...}';

/**
 * `POST /api/messages`: a message for tests of inbound-mail code, stored through the same
 * ingest as SMTP (parsed in the store's thread, tagged, relayed by the rules, pushed live).
 */
export function injectRoutes(capture: Capture) {
  const app = new Hono();
  app.post('/messages', async (c) => {
    const body = await jsonBody(c);
    const message =
      typeof body === 'object' && body !== null && 'raw' in body
        ? fromRaw(parse(rawSchema, body))
        : await composeMessage(parse(composeSchema, body));
    const stored = await capture({ ...message, client: httpClient(c) });
    return c.json(stored, 201);
  });
  return app;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest(`${HELP}: ${result.error.issues[0]?.message ?? ''}`);
  return result.data;
}

function fromRaw(body: z.infer<typeof rawSchema>) {
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
