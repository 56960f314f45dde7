import { createRoute, z } from '@hono/zod-openapi';
import { failure, failures, json, wholeNumber } from './contract.js';

/** Operations about the server itself: info, the probes, this document, the event stream. */

const tags = ['Server'];
const listener = z.object({ host: z.string(), port: z.number().int() });

const Info = z
  .object({
    version: z.string(),
    smtp: listener,
    starttls: listener
      .nullable()
      .openapi({ description: 'The listener that always offers STARTTLS' }),
    smtps: listener.nullable(),
    http: listener.extend({
      basePath: z.string(),
      tls: z.boolean(),
      auth: z.enum(['on', 'off']).openapi({ description: 'Whether people sign in' }),
    }),
    tls: z.object({
      starttls: z.boolean(),
      required: z.boolean(),
      certificate: z.string(),
      ca: z.string().nullable().openapi({ description: "The local CA's certificate file" }),
    }),
    sendmail: z.string().nullable(),
    auth: z.object({
      mode: z.enum(['optional', 'required']),
      methods: z.array(z.string()).readonly(),
    }),
    limits: z.object({
      maxMessageSize: z.number().int(),
      maxRecipients: z.number().int(),
      maxConnections: z.number().int(),
    }),
    retention: z.object({
      maxMessages: z.number().int(),
      maxAgeSeconds: z.number().int(),
      maxDatabaseBytes: z.number().int(),
    }),
    messages: z.object({ total: z.number().int(), unread: z.number().int() }),
    database: z.object({ path: z.string(), bytes: z.number().int() }),
    relay: z.object({ mode: z.enum(['on', 'off']) }),
    principal: z
      .object({
        name: z.string(),
        role: z.enum(['reader', 'releaser']),
        via: z.enum(['basic', 'bearer', 'none']),
      })
      .openapi({ description: 'Who is asking and what they may do' }),
  })
  .openapi('Info');

export const getInfo = createRoute({
  method: 'get',
  path: '/info',
  operationId: 'getInfo',
  tags,
  summary: 'Version, counts, database size, listeners, TLS and auth modes',
  responses: { 200: json('Info', Info), ...failures([]) },
});

/** Probes answer without sign-in: no 401, no 429. */
/** The one error a probe can answer: the Host and cross-site guards run before everything. */
const onlyOrigin = () => ({ 403: failure(403) });

const open = { security: [] };

export const liveness = createRoute({
  method: 'get',
  path: '/api/health',
  operationId: 'getHealth',
  tags,
  ...open,
  summary: 'Liveness probe (also at /livez); no sign-in',
  responses: {
    200: json('Healthy', z.object({ status: z.literal('ok') })),
    ...onlyOrigin(),
  },
});

export const readiness = createRoute({
  method: 'get',
  path: '/api/ready',
  operationId: 'getReadiness',
  tags,
  ...open,
  summary:
    'Readiness probe (also at /readyz): 503 while the store cannot take mail (its thread stopped or is restarting, the database cannot be written, --max-db-size reached); no sign-in',
  responses: {
    200: json('Ready', z.object({ ready: z.literal(true) })),
    503: json('Not ready, and why', z.object({ ready: z.literal(false), reason: z.string() })),
    ...onlyOrigin(),
  },
});

export const openApiDocument = createRoute({
  method: 'get',
  path: '/api/openapi.json',
  operationId: 'getOpenApiDocument',
  tags,
  summary: 'This document (generated from the route definitions)',
  responses: {
    200: json('OpenAPI 3.1', z.object({ openapi: z.string() }).catchall(z.unknown())),
    ...failures([]),
  },
});

export const streamEvents = createRoute({
  method: 'get',
  path: '/events',
  operationId: 'streamEvents',
  tags,
  summary:
    'Server-Sent Events: hello ({resumedAfter, instance}), stored (id = message id), read, deleted, outbox ({entries}: relay outbox changes), reset ({reason, instance, lastId}; id = lastId: reload, then continue after lastId; reason burst: a batch too large to send to every client as events, the stream goes on). Resume with Last-Event-ID or ?after=ID; ?instance=ID (from hello) gets a reset if the database is another one.',
  request: {
    query: z.object({
      after: wholeNumber('after must be a message id (the last id you saw)')
        .optional()
        .openapi({ description: 'Replay every message after this id first' }),
      instance: z
        .string()
        .regex(/^[0-9a-f]{1,64}$/, { error: 'instance must be the id from a hello event' })
        .optional()
        .openapi({ description: 'The instance of the hello event this client saw' }),
    }),
  },
  responses: {
    200: {
      description: 'Event stream',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...failures([400]),
  },
});
