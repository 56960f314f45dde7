import { injectOperation, toolPaths } from './openapi-tools.js';

/** The OpenAPI 3.1 description of the native API, served at /api/openapi.json. */
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ok = (description: string, schema: object) => ({ description, ...json(schema) });
const errors = {
  '400': { description: 'Invalid parameters', ...json(ref('Error')) },
  '404': { description: 'No such message', ...json(ref('Error')) },
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } };
const listParams = [
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
  {
    name: 'after',
    in: 'query',
    description: 'Only messages newer than this id',
    schema: { type: 'integer' },
  },
  {
    name: 'query',
    in: 'query',
    description:
      'Search: words, "phrases", from: to: cc: subject: body: filename:, has:attachment, is:read, is:unread, before:/after: YYYY-MM-DD, - to negate. Alias: q.',
    schema: { type: 'string' },
  },
];
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

const outboxIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Outbox entry id',
  schema: { type: 'integer' },
};
const relayErrors = {
  ...errors,
  '403': { description: 'The rules deny an address (relay_denied)', ...json(ref('Error')) },
  '409': {
    description: 'The relay is off, or the entry is in the wrong state',
    ...json(ref('Error')),
  },
};
const entries = {
  type: 'object',
  properties: { entries: { type: 'array', items: ref('OutboxEntry') } },
};
const messageIds = json({
  type: 'object',
  required: ['ids'],
  properties: { ids: { type: 'array', items: { type: 'integer' } } },
});

const relayPaths = {
  '/api/relay/status': {
    get: {
      summary:
        'Relay mode, upstreams (no credentials) each verified now (connect + authenticate), and the rules',
      responses: { '200': ok('Status', { type: 'object' }) },
    },
  },
  '/api/messages/{id}/relay': {
    get: {
      summary:
        'What the rules decide for each recipient and why, and the outbox history with every attempt',
      parameters: [idParam],
      responses: {
        '200': ok('Decisions and history', {
          type: 'object',
          properties: {
            mode: { enum: ['off', 'on'] },
            decisions: { type: 'array', items: ref('RelayDecision') },
            outbox: {
              type: 'object',
              properties: {
                entries: { type: 'array', items: ref('OutboxEntry') },
                attempts: { type: 'array', items: ref('OutboxAttempt') },
              },
            },
          },
        }),
        ...errors,
      },
    },
  },
  '/api/messages/{id}/release': {
    post: {
      summary:
        'Send the message upstream now: to its envelope recipients, or to the addresses in "to". Addresses a rule captures are refused.',
      parameters: [idParam],
      requestBody: json({
        type: 'object',
        properties: { to: { type: 'array', items: { type: 'string', format: 'email' } } },
      }),
      responses: { '200': ok('Queued entries', entries), ...relayErrors },
    },
  },
  '/api/relay/approve': {
    post: {
      summary: 'Queue the held recipients of these messages',
      requestBody: messageIds,
      responses: { '200': ok('Queued entries', entries), ...relayErrors },
    },
  },
  '/api/relay/reject': {
    post: {
      summary: 'Cancel the held recipients of these messages',
      requestBody: messageIds,
      responses: { '200': ok('Cancelled entries', entries), ...relayErrors },
    },
  },
  '/api/relay/outbox': {
    get: {
      summary: 'Outbox entries, newest first',
      parameters: [
        ...listParams.filter((p) => p.name === 'limit' || p.name === 'before'),
        {
          name: 'state',
          in: 'query',
          description: 'Comma-separated: held, queued, sending, sent, failed, cancelled',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': ok('A page', {
          type: 'object',
          properties: {
            entries: { type: 'array', items: ref('OutboxEntry') },
            nextCursor: { type: ['integer', 'null'] },
          },
        }),
        ...errors,
      },
    },
  },
  '/api/relay/outbox/{id}/retry': {
    post: {
      summary: 'Send a queued, held or failed entry now',
      parameters: [outboxIdParam],
      responses: { '200': ok('The entry', ref('OutboxEntry')), ...relayErrors },
    },
  },
  '/api/relay/outbox/{id}/cancel': {
    post: {
      summary: 'Cancel a held, queued or failed entry',
      parameters: [outboxIdParam],
      responses: { '200': ok('The entry', ref('OutboxEntry')), ...relayErrors },
    },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Sluice API',
    version: '1',
    description:
      'Captured mail over HTTP. Writes need Content-Type: application/json. Errors are {"error": {"code", "message"}}.',
  },
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
          'Server-Sent Events: stored (id = message id), read, deleted, outbox ({entries}: relay outbox changes). Resume with Last-Event-ID or ?after=ID.',
        responses: { '200': { description: 'Event stream', content: { 'text/event-stream': {} } } },
      },
    },
    ...relayPaths,
    ...toolPaths,
    '/api/health': {
      get: { summary: 'Liveness probe', responses: { '200': ok('Healthy', { type: 'object' }) } },
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
