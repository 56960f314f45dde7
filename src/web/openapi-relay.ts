import { errors, idParam, json, listParams, ok, ref } from './openapi-common.js';

/** The relay's part of the OpenAPI document. */

/** Operations that let mail leave or stop it: releaser role only (--http-releasers). */
const releaser = {
  'x-sluice-role': 'releaser',
  security: [{ basic: [] }, { bearer: [] }],
};
const releaserErrors = {
  '403': {
    description:
      'relay_denied: an address is not allowed (each with its reason); forbidden_role: the caller is a reader',
    ...json(ref('Error')),
  },
};
const outboxIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Outbox entry id',
  schema: { type: 'integer' },
};
const relayErrors = {
  ...errors,
  ...releaserErrors,
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

export const relayPaths = {
  '/api/relay/status': {
    get: {
      summary:
        'Relay mode, upstreams (no credentials) with their last verification (null before the first; never logs in), the rules and release_to',
      responses: { '200': ok('Status', { type: 'object' }) },
    },
  },
  '/api/relay/verify': {
    post: {
      ...releaser,
      summary:
        'Connect and authenticate to every upstream now (sends no mail), at most once a minute; answers the status',
      responses: {
        '200': ok('Status', { type: 'object' }),
        ...relayErrors,
        '429': {
          description: 'Verified less than a minute ago; see Retry-After',
          ...json(ref('Error')),
        },
      },
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
      ...releaser,
      summary:
        'Send the message upstream now: to its envelope recipients, or to the addresses in "to". Each address must be a recipient of the message or match relay.release_to; addresses a capture rule names are refused.',
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
      ...releaser,
      summary: 'Queue the held recipients of these messages',
      requestBody: messageIds,
      responses: { '200': ok('Queued entries', entries), ...relayErrors },
    },
  },
  '/api/relay/reject': {
    post: {
      ...releaser,
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
      ...releaser,
      summary: 'Send a queued, held or failed entry now (no body needed)',
      parameters: [outboxIdParam],
      responses: { '200': ok('The entry', ref('OutboxEntry')), ...relayErrors },
    },
  },
  '/api/relay/outbox/{id}/cancel': {
    post: {
      ...releaser,
      summary: 'Cancel a held, queued or failed entry (no body needed)',
      parameters: [outboxIdParam],
      responses: { '200': ok('The entry', ref('OutboxEntry')), ...relayErrors },
    },
  },
};
