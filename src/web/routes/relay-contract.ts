import { createRoute, z } from '@hono/zod-openapi';
import type { OutboxState } from '../../store/types.js';
import { requireRole } from '../auth/require-role.js';
import {
  emptyBodyIsNone,
  failures,
  idParams,
  json,
  jsonBody,
  MessageIdParams,
  wholeNumber,
  type FailureStatus,
} from './contract.js';
import { IdsBody, MAX_PAGE_SIZE } from './message-schemas.js';
import {
  Entries,
  OUTBOX_STATES,
  OutboxEntry,
  OutboxPage,
  RelayExplanation,
  RelayStatus,
} from './relay-schemas.js';

/** The relay's operations (routes/relay.ts serves them). */

const tags = ['Relay'];

/**
 * Operations that let mail leave or stop it: releaser role only (--http-releasers). The
 * document's mark and the check come from this one line.
 */
const releaser = { 'x-sluice-role': 'releaser', middleware: requireRole('releaser') } as const;
const releaserFailures = (statuses: readonly FailureStatus[]) =>
  failures([409, ...statuses], {
    403: 'forbidden_role: the caller is a reader (--http-releasers); relay_denied: an address is not allowed, with its reason; forbidden_origin',
    409: 'relay_off: no upstream is configured; invalid_state: the entry is not in a state this can change',
  });
const relayOff = { 409: 'relay_off: no upstream is configured' } as const;

export const relayStatus = createRoute({
  method: 'get',
  path: '/relay/status',
  operationId: 'getRelayStatus',
  tags,
  summary:
    'Relay mode, upstreams (no credentials) with their last verification (null before the first; never logs in), the rules and release_to',
  responses: { 200: json('Status', RelayStatus), ...failures([]) },
});

export const verifyRelay = createRoute({
  method: 'post',
  path: '/relay/verify',
  operationId: 'verifyRelay',
  tags,
  ...releaser,
  summary:
    'Connect and authenticate to every upstream now (sends no mail), at most once a minute; answers the status',
  responses: {
    200: json('Status', RelayStatus),
    ...releaserFailures([]),
    ...failures([429], {
      429: 'too_many_requests: verified less than a minute ago (see Retry-After); or sign-in refused for now',
    }),
  },
});

export const explainRelay = createRoute({
  method: 'get',
  path: '/messages/{id}/relay',
  operationId: 'explainRelay',
  tags,
  summary:
    'What the rules decide for each recipient and why, and the outbox history with every attempt',
  request: { params: MessageIdParams },
  responses: {
    200: json('Decisions and history', RelayExplanation),
    ...failures([400, 404, 409], { 404: 'not_found: no such message', ...relayOff }),
  },
});

export const releaseMessage = createRoute({
  method: 'post',
  path: '/messages/{id}/release',
  operationId: 'releaseMessage',
  tags,
  ...releaser,
  // Before the body is read: a JSON type with an empty body is no body too.
  middleware: [releaser.middleware, emptyBodyIsNone],
  summary:
    'Send the message upstream now: to its envelope recipients, or to the addresses in "to". Each address must be a recipient of the message or match relay.release_to; addresses a capture rule names are refused.',
  request: {
    params: MessageIdParams,
    body: jsonBody(
      z
        .object(
          {
            to: z
              // Each address is checked by the relay (syntax, CR/LF), which answers
              // invalid_address naming the one that is wrong, a non-string included.
              .array(z.unknown().openapi({ type: 'string', format: 'email' }))
              .min(1)
              .max(1000)
              .optional(),
          },
          { error: 'expected {} or {"to": ["name@example.com", ...]}' },
        )
        .strict()
        .openapi({ description: 'No body at all means {}: the envelope recipients' }),
      false,
    ),
  },
  responses: { 200: json('Queued entries', Entries), ...releaserFailures([400, 404, 413, 415]) },
});

export const approveHeld = createRoute({
  method: 'post',
  path: '/relay/approve',
  operationId: 'approveHeld',
  tags,
  ...releaser,
  summary: 'Queue the held recipients of these messages',
  request: { body: jsonBody(IdsBody) },
  responses: { 200: json('Queued entries', Entries), ...releaserFailures([400, 413, 415]) },
});

export const rejectHeld = createRoute({
  method: 'post',
  path: '/relay/reject',
  operationId: 'rejectHeld',
  tags,
  ...releaser,
  summary: 'Cancel the held recipients of these messages',
  request: { body: jsonBody(IdsBody) },
  responses: { 200: json('Cancelled entries', Entries), ...releaserFailures([400, 413, 415]) },
});

export const listOutbox = createRoute({
  method: 'get',
  path: '/relay/outbox',
  operationId: 'listOutbox',
  tags,
  summary: 'Outbox entries, newest first',
  request: {
    query: z.object({
      limit: wholeNumber(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`, {
        min: 1,
        max: MAX_PAGE_SIZE,
      })
        .optional()
        .default(50),
      before: wholeNumber('before must be an outbox id (the previous nextCursor)')
        .optional()
        .openapi({ description: 'nextCursor of the previous page' }),
      state: z
        .string()
        .optional()
        .transform((text, ctx) => {
          const states = text ? text.split(',') : undefined;
          if (states?.some((s) => !(OUTBOX_STATES as readonly string[]).includes(s))) {
            ctx.addIssue({
              code: 'custom',
              message: `state must be one or more of ${OUTBOX_STATES.join(', ')}, comma-separated`,
            });
            return z.NEVER;
          }
          return states as OutboxState[] | undefined;
        })
        .openapi({ type: 'string', description: `Comma-separated: ${OUTBOX_STATES.join(', ')}` }),
    }),
  },
  responses: {
    200: json('A page', OutboxPage),
    ...failures([400, 409], relayOff),
  },
});

const OutboxIdParams = idParams('Outbox entry id');
const outboxFailures = releaserFailures([400, 404]);

export const retryEntry = createRoute({
  method: 'post',
  path: '/relay/outbox/{id}/retry',
  operationId: 'retryOutboxEntry',
  tags,
  ...releaser,
  summary: 'Send a queued, held or failed entry now (no body needed)',
  request: { params: OutboxIdParams },
  responses: { 200: json('The entry', OutboxEntry), ...outboxFailures },
});

export const cancelEntry = createRoute({
  method: 'post',
  path: '/relay/outbox/{id}/cancel',
  operationId: 'cancelOutboxEntry',
  tags,
  ...releaser,
  summary: 'Cancel a held, queued or failed entry (no body needed)',
  request: { params: OutboxIdParams },
  responses: { 200: json('The entry', OutboxEntry), ...outboxFailures },
});
