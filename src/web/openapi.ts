import { injectOperation, toolPaths } from './openapi-tools.js';

/** The OpenAPI 3.1 description of the native API, served at /api/openapi.json. */
import { errors, idParam, json, listParams, ok, ref } from './openapi-common.js';
import { relayPaths } from './openapi-relay.js';

const selection = {
  oneOf: [
    {
      type: 'object',
      required: ['ids'],
      properties: { ids: { type: 'array', items: { type: 'integer' } } },
    },
    { type: 'object', required: ['all'], properties: { all: { const: true } } },
    { type: 'object', required: ['query'], properties: { query: { type: 'string' } } },
  ],
};
const address = {
  type: 'object',
  properties: { name: { type: 'string' }, address: { type: 'string' } },
};
const addresses = { type: 'array', items: ref('Address') };
const capturedContent = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: { type: 'string', format: 'binary' } } },
});

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Sluice API',
    version: '1',
    description:
      'Captured mail over HTTP. A write with a body sends it as JSON (Content-Type: application/json). Errors are {"error": {"code", "message"}}. When sign-in is configured, every path but the probes needs HTTP Basic or a bearer token; operations marked x-sluice-role: releaser need the releaser role.',
  },
  security: [{ basic: [] }, { bearer: [] }, {}],
  paths: {
    '/api/messages': {
      get: {
        summary: 'List messages, newest first',
        parameters: listParams,
        responses: { '200': ok('A page', ref('MessageList')), ...errors },
      },
      post: injectOperation,
      delete: {
        summary: 'Delete every message',
        responses: {
          '200': ok('Deleted', { type: 'object', properties: { deleted: { type: 'integer' } } }),
        },
      },
    },
    '/api/search': {
      get: {
        summary: 'Search (query required); same shape as the list',
        parameters: listParams,
        responses: { '200': ok('A page', ref('MessageList')), ...errors },
      },
    },
    '/api/messages/wait': {
      get: {
        summary: 'Wait for a matching message',
        description:
          'Returns the newest match above `after` at once, or the first one to arrive; 408 after the timeout.',
        parameters: [
          ...listParams.filter((p) => p.name !== 'limit'),
          { name: 'timeout', in: 'query', schema: { type: 'string', default: '30s' } },
        ],
        responses: {
          '200': ok('The message', ref('MessageSummary')),
          '408': { description: 'Nothing arrived', ...json(ref('Error')) },
          '503': {
            description: 'Too many requests are waiting (--max-waiters); retry after Retry-After',
            headers: { 'Retry-After': { schema: { type: 'integer' } } },
            ...json(ref('Error')),
          },
        },
      },
    },
    '/api/messages/mark': {
      post: {
        summary: 'Mark messages read or unread',
        requestBody: json({
          allOf: [
            { type: 'object', required: ['read'], properties: { read: { type: 'boolean' } } },
            selection,
          ],
        }),
        responses: {
          '200': ok('Updated', { type: 'object', properties: { updated: { type: 'integer' } } }),
          ...errors,
        },
      },
    },
    '/api/messages/delete': {
      post: {
        summary: 'Delete messages by ids, all, or everything a search matches',
        requestBody: json(selection),
        responses: {
          '200': ok('Deleted', { type: 'object', properties: { deleted: { type: 'integer' } } }),
          ...errors,
        },
      },
    },
    '/api/messages/{id}': {
      get: {
        summary: 'One message, parsed. Does not mark it read.',
        parameters: [idParam],
        responses: { '200': ok('The message', ref('MessageDetail')), ...errors },
      },
      patch: {
        summary: 'Mark one message read or unread',
        parameters: [idParam],
        requestBody: json({
          type: 'object',
          required: ['read'],
          properties: { read: { type: 'boolean' } },
        }),
        responses: { '200': ok('The message', ref('MessageDetail')), ...errors },
      },
      delete: {
        summary: 'Delete one message',
        parameters: [idParam],
        responses: {
          '200': ok('Deleted', { type: 'object', properties: { deleted: { const: 1 } } }),
          ...errors,
        },
      },
    },
    '/api/messages/{id}/headers': {
      get: {
        summary: 'Headers, in order',
        parameters: [idParam],
        responses: {
          '200': ok('Headers', {
            type: 'object',
            properties: { headers: { type: 'array', items: ref('Header') } },
          }),
          ...errors,
        },
      },
    },
    '/api/messages/{id}/raw': {
      get: {
        summary: 'The message exactly as received; ?download for an .eml attachment',
        parameters: [idParam, { name: 'download', in: 'query', schema: { type: 'string' } }],
        responses: { '200': capturedContent('message/rfc822', 'Raw source'), ...errors },
      },
    },
    '/api/messages/{id}/html': {
      get: {
        summary:
          'HTML body for a sandboxed iframe, cid: links rewritten; ?remote=1 allows remote images and CSS',
        parameters: [
          idParam,
          { name: 'remote', in: 'query', schema: { type: 'string', enum: ['1'] } },
        ],
        responses: { '200': capturedContent('text/html', 'HTML'), ...errors },
      },
    },
    '/api/messages/{id}/parts/{partId}': {
      get: {
        summary: 'One attachment or inline part; ?inline shows safe images inline',
        parameters: [
          idParam,
          { name: 'partId', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'inline', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': capturedContent('application/octet-stream', 'Part content'),
          ...errors,
        },
      },
    },
    '/api/messages/{id}/cid/{contentId}': {
      get: {
        summary: 'An inline part by Content-ID',
        parameters: [
          idParam,
          { name: 'contentId', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': capturedContent('application/octet-stream', 'Part content'),
          ...errors,
        },
      },
    },
    '/api/events': {
      get: {
        summary:
          'Server-Sent Events: hello ({resumedAfter, instance}), stored (id = message id), read, deleted, outbox ({entries}: relay outbox changes), reset ({reason, instance, lastId}; id = lastId: reload, then continue after lastId). Resume with Last-Event-ID or ?after=ID; ?instance=ID (from hello) gets a reset if the database is another one.',
        parameters: [
          { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
          {
            name: 'instance',
            in: 'query',
            schema: { type: 'string', pattern: '^[0-9a-f]{1,64}$' },
          },
        ],
        responses: { '200': { description: 'Event stream', content: { 'text/event-stream': {} } } },
      },
    },
    ...relayPaths,
    ...toolPaths,
    '/api/health': {
      get: {
        summary: 'Liveness probe (also at /livez); no sign-in',
        security: [],
        responses: { '200': ok('Healthy', { type: 'object' }) },
      },
    },
    '/api/ready': {
      get: {
        summary:
          'Readiness probe (also at /readyz): 503 while the store cannot take mail (its thread stopped, the database cannot be written, --max-db-size reached); no sign-in',
        security: [],
        responses: {
          '200': ok('Ready', { type: 'object', properties: { ready: { const: true } } }),
          '503': {
            description: 'Not ready, and why',
            ...json({
              type: 'object',
              properties: { ready: { const: false }, reason: { type: 'string' } },
            }),
          },
        },
      },
    },
    '/api/openapi.json': {
      get: {
        summary: 'This document',
        responses: { '200': ok('OpenAPI 3.1', { type: 'object' }) },
      },
    },
    '/api/info': {
      get: {
        summary: 'Version, counts, database size, listeners, TLS and auth modes',
        responses: { '200': ok('Info', { type: 'object' }) },
      },
    },
  },
  components: {
    securitySchemes: {
      basic: {
        type: 'http',
        scheme: 'basic',
        description: 'A user of --http-auth-file / --http-auth',
      },
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'A token of --http-tokens-file / --http-tokens',
      },
    },
    schemas: {
      Error: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
      Address: address,
      Header: {
        type: 'object',
        properties: { name: { type: 'string' }, value: { type: 'string' } },
      },
      MessageSummary: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          receivedAt: { type: 'string', format: 'date-time' },
          envelope: {
            type: 'object',
            properties: {
              mailFrom: { type: 'string' },
              rcptTo: { type: 'array', items: { type: 'string' } },
            },
          },
          from: { oneOf: [ref('Address'), { type: 'null' }] },
          to: addresses,
          cc: addresses,
          bcc: {
            ...addresses,
            description: 'Bcc header plus envelope recipients no To/Cc header names',
          },
          subject: { type: 'string' },
          snippet: { type: 'string' },
          size: { type: 'integer' },
          attachmentCount: { type: 'integer' },
          read: { type: 'boolean' },
          tags: { type: 'array', items: { type: 'string' } },
          messageId: { type: ['string', 'null'] },
          date: { type: ['string', 'null'], format: 'date-time' },
          parseError: { type: 'boolean' },
        },
      },
      MessageDetail: {
        allOf: [
          ref('MessageSummary'),
          {
            type: 'object',
            properties: {
              replyTo: addresses,
              headers: { type: 'array', items: ref('Header') },
              text: { type: ['string', 'null'] },
              html: { type: ['string', 'null'] },
              parts: { type: 'array', items: { type: 'object' } },
              client: {
                type: 'object',
                properties: {
                  address: { type: 'string' },
                  helo: { type: 'string' },
                  authUser: { type: ['string', 'null'] },
                  tls: { type: 'boolean' },
                },
              },
              parseErrorMessage: { type: ['string', 'null'] },
            },
          },
        ],
      },
      OutboxEntry: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          messageId: { type: 'integer' },
          recipient: { type: 'string' },
          originalRecipient: { type: 'string' },
          upstream: { type: 'string' },
          reason: { type: 'string' },
          state: { enum: ['held', 'queued', 'sending', 'sent', 'failed', 'cancelled'] },
          attempts: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          queuedAt: { type: ['string', 'null'], format: 'date-time' },
          nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          lastReply: { type: ['string', 'null'] },
          releasedBy: {
            type: ['string', 'null'],
            description:
              'Who released, approved or retried it (user or token name); null when a rule queued it',
          },
          cancelledBy: {
            type: ['string', 'null'],
            description: 'Who rejected or cancelled it; null otherwise',
          },
        },
      },
      OutboxAttempt: {
        type: 'object',
        properties: {
          outboxId: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          outcome: { enum: ['sent', 'transient', 'permanent'] },
          reply: { type: 'string' },
        },
      },
      RelayDecision: {
        type: 'object',
        properties: {
          recipient: { type: 'string' },
          action: { enum: ['relay', 'hold', 'capture'] },
          rule: { type: ['string', 'null'] },
          reason: { type: 'string' },
          sendTo: { type: 'string' },
          upstream: { type: ['string', 'null'] },
        },
      },
      MessageList: {
        type: 'object',
        properties: {
          messages: { type: 'array', items: ref('MessageSummary') },
          total: {
            type: 'integer',
            description:
              'Messages that match (every message when there is no query). A search counts at most 1,000; see totalCapped.',
          },
          unread: { type: 'integer', description: 'Unread messages among those counted in total' },
          totalCapped: {
            type: 'boolean',
            description:
              'Present (true) only when a search matched more than it counts: total is then a lower bound, and total and unread cover the newest matches only.',
          },
          nextCursor: { type: ['integer', 'null'] },
        },
      },
    },
  },
} as const;

/** The document as served under a base path: its paths are relative to the server URL. */
export function openApiFor(basePath: string) {
  if (basePath === '/') return openApiDocument;
  return { ...openApiDocument, servers: [{ url: basePath.slice(0, -1) }] };
}
