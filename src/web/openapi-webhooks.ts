import { errors, json, ok, ref } from './openapi-common.js';

/** The webhooks' part of the OpenAPI document (src/web/routes/webhooks.ts). */

const nameParam = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The webhook name (`name:` in the config file; `webhook` for --webhook)',
  schema: { type: 'string' },
};

export const webhookPaths = {
  '/api/webhooks': {
    get: {
      summary: 'Configured webhooks and where each is in the stream of messages',
      description:
        'Neither the secret nor the URL path or query is shown (they often hold tokens): only its origin.',
      responses: {
        '200': ok('The webhooks', {
          type: 'object',
          properties: { webhooks: { type: 'array', items: ref('Webhook') } },
        }),
        '401': errors['401'],
      },
    },
  },
  '/api/webhooks/{name}/deliveries': {
    get: {
      summary: "A webhook's delivery attempts, newest first",
      parameters: [
        nameParam,
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        },
        {
          name: 'before',
          in: 'query',
          description: 'nextCursor of the previous page',
          schema: { type: 'integer' },
        },
      ],
      responses: {
        '200': ok('A page of attempts', {
          type: 'object',
          properties: {
            attempts: { type: 'array', items: ref('WebhookAttempt') },
            nextCursor: { type: ['integer', 'null'] },
          },
        }),
        '400': errors['400'],
        '401': errors['401'],
        '404': { description: 'No webhook with this name', ...json(ref('Error')) },
      },
    },
  },
};

export const webhookSchemas = {
  Webhook: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      target: { type: 'string', description: 'Scheme, host and port of the URL' },
      filter: { type: ['string', 'null'], description: 'A search; null = every message' },
      signed: { type: 'boolean', description: 'Deliveries carry Sluice-Signature' },
      allowPrivate: { type: 'boolean' },
      deliveredThrough: {
        type: 'integer',
        description:
          'Every message up to this id was delivered, skipped by the filter, or given up on',
      },
      retry: {
        description: 'The message waiting for its next attempt, or null',
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            properties: {
              messageId: { type: 'integer' },
              attempts: { type: 'integer' },
              nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
            },
          },
        ],
      },
    },
  },
  WebhookAttempt: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      webhook: { type: 'string' },
      messageId: { type: 'integer' },
      at: { type: 'string', format: 'date-time' },
      outcome: {
        enum: ['delivered', 'failed', 'refused'],
        description: 'refused: the target resolved to a loopback, private or link-local address',
      },
      status: { type: ['integer', 'null'], description: "The receiver's HTTP status" },
      reply: { type: 'string' },
      durationMs: { type: 'integer' },
      retryAt: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'When the message is tried again; null once delivered or given up',
      },
    },
  },
};
