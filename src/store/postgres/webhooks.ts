import {
  KEPT_ATTEMPTS,
  toAttempt,
  toCursor,
  type CursorRow,
  type WebhookAttemptRow,
} from '../webhooks.js';
import type {
  MessageId,
  NewWebhookAttempt,
  WebhookAttemptPage,
  WebhookClaim,
  WebhookCursor,
} from '../types.js';
import type { Queryable, TransactionSql } from './connection.js';
import { renewLeases, WEBHOOK_LEASES, type LeaseTerms } from './leases.js';

/**
 * The webhook queries of PostgresStore (migration 006), the same as SQLite's (webhooks.ts).
 * A cursor only moves forward (greatest), so two instances recording at once never move it back.
 * One instance delivers a webhook at a time: the one holding its lease (migration 007).
 */
export async function cursorOf(q: Queryable, webhook: string): Promise<CursorRow | undefined> {
  const [row] = await q<CursorRow[]>`SELECT * FROM webhook_cursors WHERE webhook = ${webhook}`;
  return row;
}

/** A webhook seen for the first time starts after the newest message. */
export async function openCursor(tx: TransactionSql, webhook: string): Promise<WebhookCursor> {
  await tx`
    INSERT INTO webhook_cursors (webhook, delivered_through)
    SELECT ${webhook}, coalesce(max(id), 0) FROM messages
    ON CONFLICT (webhook) DO NOTHING`;
  return toCursor((await cursorOf(tx, webhook))!);
}

/** The webhook's turn for `holder`, when nobody else holds an unexpired lease on it. */
export async function claimCursor(
  tx: TransactionSql,
  webhook: string,
  terms: LeaseTerms & { readonly now: number },
): Promise<WebhookClaim> {
  const [row] = await tx<CursorRow[]>`
    UPDATE webhook_cursors SET leased_by = ${terms.holder}, lease_until = ${terms.until}
    WHERE webhook = ${webhook}
      AND (leased_by IS NULL OR leased_by = ${terms.holder} OR lease_until <= ${terms.now})
    RETURNING *`;
  if (row) return { held: true, cursor: toCursor(row) };
  const [other] = await tx<{ lease_until: number | null }[]>`
    SELECT lease_until FROM webhook_cursors WHERE webhook = ${webhook}`;
  // A webhook never opened (a store call out of order): open it, and try once more.
  if (!other) {
    await openCursor(tx, webhook);
    return claimCursor(tx, webhook, terms);
  }
  return { held: false, until: new Date(other.lease_until ?? terms.now) };
}

export async function renewLease(
  q: Queryable,
  webhook: string,
  terms: LeaseTerms,
): Promise<boolean> {
  return (await renewLeases(q, WEBHOOK_LEASES, [webhook], terms)).length > 0;
}

export async function releaseCursor(q: Queryable, webhook: string, holder: string): Promise<void> {
  await q`
    UPDATE webhook_cursors SET leased_by = NULL, lease_until = NULL
    WHERE webhook = ${webhook} AND leased_by = ${holder}`;
}

/**
 * Records an attempt; its effect on the cursor applies unless another instance holds the
 * webhook's lease now (this one's ran out): that one's progress stands.
 */
export async function recordAttempt(
  tx: TransactionSql,
  attempt: NewWebhookAttempt,
  options: { readonly now: number; readonly holder: string },
): Promise<WebhookCursor> {
  const { now, holder } = options;
  const { webhook, messageId } = attempt;
  const retryAt = attempt.retryAt?.getTime() ?? null;
  await tx`
    INSERT INTO webhook_attempts (webhook, message_id, at, outcome, status, reply, duration_ms, retry_at)
    VALUES (${webhook}, ${messageId}, ${now}, ${attempt.outcome}, ${attempt.status},
            ${attempt.reply}, ${attempt.durationMs}, ${retryAt})`;
  await tx`
    DELETE FROM webhook_attempts WHERE webhook = ${webhook} AND id <= (
      SELECT id FROM webhook_attempts WHERE webhook = ${webhook}
      ORDER BY id DESC LIMIT 1 OFFSET ${KEPT_ATTEMPTS})`;
  const [cursor] = await tx<{ leased_by: string | null }[]>`
    SELECT leased_by FROM webhook_cursors WHERE webhook = ${webhook} FOR UPDATE`;
  // Another instance holds the turn: the attempt is kept in the history only.
  const ours = cursor?.leased_by == null || cursor.leased_by === holder;
  if (ours && retryAt !== null) {
    await tx`
      UPDATE webhook_cursors SET
        attempts = CASE WHEN retry_message_id IS NOT DISTINCT FROM ${messageId}::bigint THEN attempts + 1 ELSE 1 END,
        first_attempt_at = CASE WHEN retry_message_id IS NOT DISTINCT FROM ${messageId}::bigint
                                THEN first_attempt_at ELSE ${now}::bigint END,
        retry_message_id = ${messageId}, next_attempt_at = ${retryAt}
      WHERE webhook = ${webhook}`;
  } else if (ours) {
    // Delivered, or given up on: the message is behind this webhook for good.
    await advance(tx, webhook, messageId);
    await tx`
      UPDATE webhook_cursors SET retry_message_id = NULL, attempts = 0,
        first_attempt_at = NULL, next_attempt_at = NULL
      WHERE webhook = ${webhook}`;
  }
  return toCursor((await cursorOf(tx, webhook))!);
}

export async function advance(q: Queryable, webhook: string, through: MessageId): Promise<void> {
  await q`
    UPDATE webhook_cursors SET delivered_through = greatest(delivered_through, ${through}::bigint),
      attempts = CASE WHEN retry_message_id <= ${through}::bigint THEN 0 ELSE attempts END,
      retry_message_id = CASE WHEN retry_message_id <= ${through}::bigint THEN NULL ELSE retry_message_id END
    WHERE webhook = ${webhook}`;
}

/** Newest first; `before` is the previous page's nextCursor. */
export async function listAttempts(
  q: Queryable,
  webhook: string,
  limit: number,
  before?: number,
): Promise<WebhookAttemptPage> {
  const rows = await q<WebhookAttemptRow[]>`
    SELECT * FROM webhook_attempts
    WHERE webhook = ${webhook} AND id < ${before ?? Number.MAX_SAFE_INTEGER}
    ORDER BY id DESC LIMIT ${limit + 1}`;
  const attempts = rows.slice(0, limit).map(toAttempt);
  return {
    attempts,
    nextCursor: rows.length > limit ? attempts[attempts.length - 1]!.id : null,
  };
}
