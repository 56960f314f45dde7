import { OutboxEntryNotFoundError } from '../errors.js';
import { countsByState, iso, toEntry, type AttemptRow, type OutboxRow } from '../outbox.js';
import type {
  AttemptResult,
  MessageId,
  NewOutboxEntry,
  OutboxChange,
  OutboxEntry,
  OutboxHistory,
  OutboxId,
  OutboxListOptions,
  OutboxPage,
  OutboxState,
} from '../types.js';
import type { Queryable, TransactionSql } from './connection.js';
import { OUTBOX_LEASES, renewLeases, type LeaseTerms } from './leases.js';

/**
 * The outbox on PostgreSQL, shared by every instance. An entry being sent is leased: its
 * next_attempt_at is when the lease runs out, and an entry past it is claimed again by
 * whichever instance looks next (its sender died mid-send): at-least-once delivery. A send
 * in progress renews its lease (renewSending), so a duplicate is possible only when its
 * sender stopped renewing. Claims skip rows another instance has locked, so two instances
 * never take the same entry at once.
 */
export async function insertEntries(
  tx: Queryable,
  entries: readonly NewOutboxEntry[],
  now: number,
): Promise<OutboxEntry[]> {
  if (entries.length === 0) return [];
  const rows = entries.map((e) => {
    const queued = e.state === 'queued' ? now : null;
    return {
      message_id: e.messageId,
      recipient: e.recipient,
      original_recipient: e.originalRecipient,
      upstream: e.upstream,
      reason: e.reason,
      state: e.state,
      created_at: now,
      queued_at: queued,
      next_attempt_at: queued,
      updated_at: now,
      released_by: e.releasedBy ?? null,
    };
  });
  const inserted = await tx<OutboxRow[]>`INSERT INTO outbox ${tx(rows)} RETURNING *`;
  return [...inserted].sort((a, b) => a.id - b.id).map(toEntry);
}

export async function claimDue(
  tx: TransactionSql,
  options: { now: number; limit: number; leaseMs: number; holder: string },
): Promise<OutboxEntry[]> {
  const { now, limit, leaseMs, holder } = options;
  const rows = await tx<OutboxRow[]>`
    UPDATE outbox SET state = 'sending', next_attempt_at = ${now + leaseMs}, updated_at = ${now},
      leased_by = ${holder}
    WHERE id IN (SELECT id FROM outbox WHERE state IN ('queued', 'sending') AND next_attempt_at <= ${now}
                 ORDER BY next_attempt_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING *`;
  return [...rows].sort((a, b) => a.id - b.id).map(toEntry);
}

/**
 * Records each result, and moves its entry on only while `holder` still holds the entry's
 * lease: a send that outlived its lease was taken over by another instance, whose own
 * result (or send in progress) stands. The attempt is kept in the history either way.
 */
export async function recordAttempts(
  tx: TransactionSql,
  results: readonly AttemptResult[],
  options: { now: number; holder: string },
): Promise<OutboxEntry[]> {
  const { now, holder } = options;
  const entries: OutboxEntry[] = [];
  for (const r of results) {
    const state = r.outcome === 'sent' ? 'sent' : r.retryAt ? 'queued' : 'failed';
    const [row] = await tx<OutboxRow[]>`
      UPDATE outbox SET state = ${state}, attempts = attempts + 1, updated_at = ${now},
        last_reply = ${r.reply}, next_attempt_at = ${r.retryAt?.getTime() ?? null}, leased_by = NULL
      WHERE id = ${r.id} AND leased_by = ${holder} RETURNING *`;
    const [exists] = row
      ? [row]
      : await tx<{ id: number }[]>`SELECT id FROM outbox WHERE id = ${r.id}`;
    if (!exists) throw new OutboxEntryNotFoundError(r.id);
    await tx`INSERT INTO outbox_attempts (outbox_id, at, outcome, reply)
      VALUES (${r.id}, ${now}, ${r.outcome}, ${r.reply})`;
    if (row) entries.push(toEntry(row));
  }
  return entries;
}

/** The heartbeat of sends in progress: see leases.ts. */
export function renewSending(
  q: Queryable,
  ids: readonly OutboxId[],
  terms: LeaseTerms,
): Promise<OutboxId[]> {
  return renewLeases(q, OUTBOX_LEASES, ids, terms);
}

export async function changeState(
  tx: TransactionSql,
  change: OutboxChange,
  now: number,
): Promise<OutboxEntry[]> {
  const queued = change.to === 'queued' ? now : null;
  const by = change.by ?? null;
  const rows = await tx<OutboxRow[]>`
    UPDATE outbox SET state = ${change.to}, updated_at = ${now}, queued_at = ${queued},
      next_attempt_at = ${queued}, leased_by = NULL,
      released_by = CASE WHEN ${change.to} = 'queued' THEN ${by} ELSE released_by END,
      cancelled_by = CASE WHEN ${change.to} = 'cancelled' THEN ${by} ELSE cancelled_by END
    WHERE state = ANY(${change.from as string[]}::text[])
      AND (id = ANY(${(change.ids ?? []) as number[]}::bigint[])
           OR message_id = ANY(${(change.messageIds ?? []) as number[]}::bigint[]))
    RETURNING *`;
  return [...rows].sort((a, b) => a.id - b.id).map(toEntry);
}

/** Entries whose lease ran out go back to the queue, due now. */
export async function requeueExpired(tx: TransactionSql, now: number): Promise<OutboxEntry[]> {
  const rows = await tx<OutboxRow[]>`
    UPDATE outbox SET state = 'queued', next_attempt_at = ${now}, updated_at = ${now}, leased_by = NULL
    WHERE id IN (SELECT id FROM outbox WHERE state = 'sending' AND next_attempt_at <= ${now}
                 FOR UPDATE SKIP LOCKED)
    RETURNING *`;
  return [...rows].sort((a, b) => a.id - b.id).map(toEntry);
}

export async function listEntries(q: Queryable, options: OutboxListOptions): Promise<OutboxPage> {
  const before = options.before ?? null;
  const states = options.states?.length ? [...options.states] : null;
  const rows = await q<OutboxRow[]>`
    SELECT * FROM outbox
    WHERE (${before}::bigint IS NULL OR id < ${before}::bigint)
      AND (${states}::text[] IS NULL OR state = ANY(${states}::text[]))
    ORDER BY id DESC LIMIT ${options.limit + 1}`;
  const entries = rows.slice(0, options.limit).map(toEntry);
  return {
    entries,
    nextCursor: rows.length > options.limit ? entries[entries.length - 1]!.id : null,
  };
}

export async function outboxEntries(
  q: Queryable,
  ids: readonly OutboxId[],
): Promise<OutboxEntry[]> {
  if (ids.length === 0) return [];
  const rows = await q<OutboxRow[]>`
    SELECT * FROM outbox WHERE id = ANY(${ids as number[]}::bigint[]) ORDER BY id`;
  return rows.map(toEntry);
}

export async function getEntry(q: Queryable, id: OutboxId): Promise<OutboxEntry> {
  const [entry] = await outboxEntries(q, [id]);
  if (!entry) throw new OutboxEntryNotFoundError(id);
  return entry;
}

export async function historyOf(q: Queryable, messageId: MessageId): Promise<OutboxHistory> {
  const [entries, attempts] = await Promise.all([
    q<OutboxRow[]>`SELECT * FROM outbox WHERE message_id = ${messageId} ORDER BY id`,
    q<AttemptRow[]>`
      SELECT a.outbox_id, a.at, a.outcome, a.reply FROM outbox_attempts a
      JOIN outbox o ON o.id = a.outbox_id WHERE o.message_id = ${messageId} ORDER BY a.id`,
  ]);
  return {
    entries: entries.map(toEntry),
    attempts: attempts.map((a) => ({
      outboxId: a.outbox_id,
      at: iso(a.at)!,
      outcome: a.outcome,
      reply: a.reply,
    })),
  };
}

/** When the worker is next needed: a queued entry falls due, or a lease runs out. */
export async function nextDue(q: Queryable): Promise<Date | null> {
  const [row] = await q<{ due: number | null }[]>`
    SELECT min(next_attempt_at) AS due FROM outbox WHERE state IN ('queued', 'sending')`;
  return row?.due == null ? null : new Date(row.due);
}

export async function countByState(q: Queryable): Promise<Record<OutboxState, number>> {
  return countsByState(
    await q<{ state: OutboxState; entries: number }[]>`
      SELECT state, count(*)::int AS entries FROM outbox GROUP BY state`,
  );
}
