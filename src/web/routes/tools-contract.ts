import { createRoute, z } from '@hono/zod-openapi';
import { failures, json, jsonBody } from './contract.js';
import { MessageSummary, Updated } from './message-schemas.js';

/** The native test tools' operations: inject a message (inject.ts), tags (tags.ts), chaos (chaos.ts). */

const email = z.email().openapi({ format: 'email' });
const address = z.union([
  email.transform((a) => ({ address: a })),
  z.object({ name: z.string().optional(), address: email }).strict(),
]);
const addresses = z.array(address).max(1000);

export const RawMessage = z
  .object({
    raw: z.string().min(1),
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
    envelope: z.object({ from: z.string(), to: z.array(email).min(1).max(1000) }).optional(),
  })
  .strict()
  .openapi({
    description: 'An RFC 5322 message; without an envelope, From and To/Cc/Bcc make one.',
  });

const ComposedMessage = z
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
            content: z.string().openapi({ description: 'base64' }),
            contentType: z.string().optional(),
            contentId: z
              .string()
              .optional()
              .openapi({ description: 'present: inline, for cid: in the HTML' }),
          })
          .strict(),
      )
      .max(100)
      .optional(),
  })
  .strict()
  .openapi({ description: 'A message by its fields; Sluice writes the MIME.' });

const INJECT_HELP =
  'expected {"raw": "<RFC 5322 message>"} (optionally "encoding": "base64" and "envelope": ' +
  '{"from", "to": [...]}) or {"from", "to", "subject", "text", "html", ...}';

const InjectBody = z.union([RawMessage, ComposedMessage], {
  // The help, and what is wrong with the kind of message the body looks like.
  error: (issue) => {
    const input: unknown = issue.input;
    const raw = typeof input === 'object' && input !== null && 'raw' in input;
    const options = (issue as { errors?: { message: string }[][] }).errors;
    const detail = options?.[raw ? 0 : 1]?.[0]?.message;
    return detail ? `${INJECT_HELP}: ${detail}` : INJECT_HELP;
  },
});

export const injectMessage = createRoute({
  method: 'post',
  path: '/messages',
  operationId: 'injectMessage',
  tags: ['Messages'],
  summary: 'Store a message through the same ingest as SMTP (for tests of inbound mail)',
  request: { body: jsonBody(InjectBody) },
  responses: {
    201: json('The stored message', MessageSummary),
    ...failures([400, 413, 415, 507], {
      400: 'invalid_request: not a message, or it names no recipient',
      413: 'payload_too_large: larger than --max-message-size',
    }),
  },
});

const TagParams = z.object({ tag: z.string() });
const updated = json('How many messages changed', Updated);

export const listTags = createRoute({
  method: 'get',
  path: '/tags',
  operationId: 'listTags',
  tags: ['Tags'],
  summary: 'Every tag in use, sorted',
  responses: {
    200: json('Tags', z.object({ tags: z.array(z.string()).readonly() })),
    ...failures([]),
  },
});

export const setTags = createRoute({
  method: 'put',
  path: '/tags',
  operationId: 'setTags',
  tags: ['Tags'],
  summary: 'Replace the tags of messages (X-Tags and plus-addresses tag them at arrival)',
  request: {
    body: jsonBody(
      z
        .object(
          {
            ids: z.array(z.number().int().positive()).min(1).max(10_000),
            tags: z.array(z.string()).max(50),
          },
          { error: 'expected {"ids": [1, 2], "tags": ["a", "b"]}' },
        )
        .strict(),
    ),
  },
  responses: { 200: updated, ...failures([400, 413, 415]) },
});

export const renameTag = createRoute({
  method: 'patch',
  path: '/tags/{tag}',
  operationId: 'renameTag',
  tags: ['Tags'],
  summary: 'Rename a tag (any case) on every message',
  request: {
    params: TagParams,
    body: jsonBody(
      z
        .object(
          { name: z.string().trim().min(1).max(100) },
          { error: 'expected {"name": "new name"}' },
        )
        .strict(),
    ),
  },
  responses: { 200: updated, ...failures([400, 413, 415]) },
});

export const deleteTag = createRoute({
  method: 'delete',
  path: '/tags/{tag}',
  operationId: 'deleteTag',
  tags: ['Tags'],
  summary: 'Remove a tag from every message (the messages stay)',
  request: { params: TagParams },
  responses: { 200: updated, ...failures([]) },
});

const trigger = z
  .object({
    errorCode: z.number().int().min(400).max(599).optional(),
    probability: z.number().min(0).max(100),
  })
  .strict();
const chance = z.number().min(0).max(1);
const jim = z
  .object({
    disconnectChance: chance,
    acceptChance: chance,
    linkSpeedAffect: chance,
    linkSpeedMin: z.number().min(1),
    linkSpeedMax: z.number().min(1),
    rejectSenderChance: chance,
    rejectRecipientChance: chance,
    rejectAuthChance: chance,
  })
  .openapi({ description: "MailHog Jim's settings (chances 0 to 1, link speeds in bytes/s)" });

const ChaosSettings = z
  .object(
    {
      triggers: z
        .object({ sender: trigger, recipient: trigger, authentication: trigger })
        .partial()
        .strict()
        .optional(),
      jim: jim.partial().strict().nullable().optional(),
    },
    {
      error:
        'expected {"triggers": {"sender": {"errorCode": 451, "probability": 50}}, "jim": {...} | null}',
    },
  )
  .strict();

const appliedTrigger = z.object({ errorCode: z.number().int(), probability: z.number() });
const ChaosState = z
  .object({
    enabled: z.boolean(),
    triggers: z.object({
      sender: appliedTrigger,
      recipient: appliedTrigger,
      authentication: appliedTrigger,
    }),
    jim: jim.nullable(),
  })
  .openapi('ChaosState');

export const getChaos = createRoute({
  method: 'get',
  path: '/chaos',
  operationId: 'getChaos',
  tags: ['Chaos'],
  summary: 'SMTP fault injection: its state',
  responses: { 200: json('State', ChaosState), ...failures([]) },
});

export const setChaos = createRoute({
  method: 'put',
  path: '/chaos',
  operationId: 'setChaos',
  tags: ['Chaos'],
  summary: 'Set the triggers (omitted ones go to 0 %) and/or Jim (null turns him off)',
  request: { body: jsonBody(ChaosSettings) },
  responses: {
    200: json('State', ChaosState),
    ...failures([400, 409, 413, 415], {
      409: 'chaos_off: chaos is off; start Sluice with --enable-chaos',
    }),
  },
});
