import { z } from '@hono/zod-openapi';
import type {
  RelayExplanation as StoreRelayExplanation,
  RelayStatus as StoreRelayStatus,
} from '../../relay/types.js';
import { OUTBOX_STATES, type OutboxEntry as StoreOutboxEntry } from '../../store/types.js';
import type { SameShape } from './message-schemas.js';

/** The relay's shapes: outbox entries and attempts, decisions, status. */

export { OUTBOX_STATES };

export const OutboxEntry = z
  .object({
    id: z.number().int(),
    messageId: z.number().int(),
    recipient: z.string(),
    originalRecipient: z.string(),
    upstream: z.string(),
    reason: z.string(),
    state: z.enum(OUTBOX_STATES),
    attempts: z.number().int(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    queuedAt: z.string().nullable().openapi({ format: 'date-time' }),
    nextAttemptAt: z.string().nullable().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
    lastReply: z.string().nullable(),
    releasedBy: z.string().nullable().openapi({
      description:
        'Who released, approved or retried it (user or token name); null when a rule queued it',
    }),
    cancelledBy: z
      .string()
      .nullable()
      .openapi({ description: 'Who rejected or cancelled it; null otherwise' }),
  })
  .openapi('OutboxEntry');

const OutboxAttempt = z
  .object({
    outboxId: z.number().int(),
    at: z.string().openapi({ format: 'date-time' }),
    outcome: z.enum(['sent', 'transient', 'permanent']),
    reply: z.string(),
  })
  .openapi('OutboxAttempt');

const RelayDecision = z
  .object({
    recipient: z.string(),
    action: z.enum(['relay', 'hold', 'capture']),
    rule: z.string().nullable(),
    reason: z.string(),
    sendTo: z.string(),
    upstream: z.string().nullable(),
  })
  .openapi('RelayDecision');

export const Entries = z.object({ entries: z.array(OutboxEntry).readonly() });
const Upstream = z.object({
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  tls: z.string(),
  insecure: z.boolean(),
  caFile: z.string().nullable(),
  auth: z.string().openapi({ description: 'The method, never the credentials' }),
  envelopeFrom: z.string().nullable(),
  from: z.string().nullable(),
  rateLimit: z.number().nullable(),
  maxConnections: z.number().int(),
  ehloName: z.string().nullable(),
  verify: z
    .object({ upstream: z.string(), ok: z.boolean(), reply: z.string(), checkedAt: z.string() })
    .nullable()
    .openapi({ description: 'The last verification; null before the first (never logs in)' }),
});
export const RelayStatus = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.literal('off') }),
    z.object({
      mode: z.literal('on'),
      upstreams: z.array(Upstream).readonly(),
      releaseTo: z.array(z.string()).readonly(),
      rules: z
        .array(
          z.object({
            name: z.string(),
            action: z.enum(['relay', 'hold', 'capture']),
            match: z
              .custom<object>()
              .openapi({ type: 'object', description: "The rule's match, as configured" }),
            rewrite: z.string().nullable(),
            upstream: z.string(),
          }),
        )
        .readonly(),
    }),
  ])
  .openapi('RelayStatus');

export const RelayExplanation = z.object({
  mode: z.enum(['off', 'on']),
  decisions: z.array(RelayDecision).readonly(),
  outbox: z.object({
    entries: z.array(OutboxEntry).readonly(),
    attempts: z.array(OutboxAttempt).readonly(),
  }),
});

export const OutboxPage = z.object({
  entries: z.array(OutboxEntry).readonly(),
  nextCursor: z.number().int().nullable(),
});

true satisfies SameShape<z.output<typeof OutboxEntry>, StoreOutboxEntry>;
true satisfies SameShape<z.output<typeof RelayExplanation>, StoreRelayExplanation>;
true satisfies SameShape<z.output<typeof RelayStatus>, StoreRelayStatus>;
