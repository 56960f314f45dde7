import { createRoute, z } from '@hono/zod-openapi';
import type { WebhookAttemptPage as StoreWebhookAttemptPage } from '../../store/types.js';
import type { WebhookStatus } from '../../webhooks/webhooks.js';
import { failures, json, wholeNumber } from './contract.js';
import type { SameShape } from './message-schemas.js';

/** The webhooks' operations (webhooks.ts): what is configured, and each one's attempts. */

const tags = ['Webhooks'];
export const MAX_ATTEMPTS_PAGE = 500;

const Webhook = z
  .object({
    name: z.string(),
    target: z.string().openapi({ description: 'Scheme, host and port of the URL' }),
    filter: z.string().nullable().openapi({ description: 'A search; null = every message' }),
    signed: z.boolean().openapi({ description: 'Deliveries carry Sluice-Signature' }),
    allowPrivate: z.boolean(),
    deliveredThrough: z.number().int().openapi({
      description:
        'Every message up to this id was delivered, skipped by the filter, or given up on',
    }),
    retry: z
      .object({
        messageId: z.number().int(),
        attempts: z.number().int(),
        nextAttemptAt: z.string().nullable().openapi({ format: 'date-time' }),
      })
      .nullable()
      .openapi({ description: 'The message waiting for its next attempt, or null' }),
  })
  .openapi('Webhook');

const WebhookAttempt = z
  .object({
    id: z.number().int(),
    webhook: z.string(),
    messageId: z.number().int(),
    at: z.string().openapi({ format: 'date-time' }),
    outcome: z.enum(['delivered', 'failed', 'refused']).openapi({
      description: 'refused: the target resolved to a loopback, private or link-local address',
    }),
    status: z.number().int().nullable().openapi({ description: "The receiver's HTTP status" }),
    reply: z.string(),
    durationMs: z.number().int(),
    retryAt: z.string().nullable().openapi({
      format: 'date-time',
      description: 'When the message is tried again; null once delivered or given up',
    }),
  })
  .openapi('WebhookAttempt');

const WebhookList = z.object({ webhooks: z.array(Webhook).readonly() });
const WebhookAttemptPage = z.object({
  attempts: z.array(WebhookAttempt).readonly(),
  nextCursor: z.number().int().nullable(),
});

true satisfies SameShape<z.output<typeof Webhook>, WebhookStatus>;
true satisfies SameShape<z.output<typeof WebhookAttemptPage>, StoreWebhookAttemptPage>;

export const listWebhooks = createRoute({
  method: 'get',
  path: '/webhooks',
  operationId: 'listWebhooks',
  tags,
  summary: 'Configured webhooks and where each is in the stream of messages',
  description:
    'Neither the secret nor the URL path or query is shown (they often hold tokens): only its origin.',
  responses: { 200: json('The webhooks', WebhookList), ...failures([]) },
});

export const listWebhookAttempts = createRoute({
  method: 'get',
  path: '/webhooks/{name}/deliveries',
  operationId: 'listWebhookAttempts',
  tags,
  summary: "A webhook's delivery attempts, newest first",
  request: {
    params: z.object({
      name: z.string().openapi({
        description: 'The webhook name (`name:` in the config file; `webhook` for --webhook)',
      }),
    }),
    query: z.object({
      limit: wholeNumber(`limit must be a whole number from 1 to ${MAX_ATTEMPTS_PAGE}`, {
        min: 1,
        max: MAX_ATTEMPTS_PAGE,
      })
        .optional()
        .default(50),
      before: wholeNumber('before must be an attempt id (the previous nextCursor)')
        .optional()
        .openapi({ description: 'nextCursor of the previous page' }),
    }),
  },
  responses: {
    200: json('A page of attempts', WebhookAttemptPage),
    ...failures([400, 404], { 404: 'not_found: no webhook with this name' }),
  },
});
