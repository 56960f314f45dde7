import type Database from 'better-sqlite3';
import { OutboxEntryNotFoundError } from './errors.js';
import {
  OUTBOX_STATES,
  type AttemptResult,
  type MessageId,
  type NewOutboxEntry,
  type OutboxAttempt,
  type OutboxChange,
  type OutboxEntry,
  type OutboxHistory,
  type OutboxId,
  type OutboxListOptions,
  type OutboxPage,
  type OutboxState,
  type StoreEvent,
} from './types.js';

export interface OutboxRow {
  id: number;
  message_id: number;
  recipient: string;
  original_recipient: string;
  upstream: string;
  reason: string;
  state: OutboxEntry['state'];
  attempts: number;
  created_at: number;
  queued_at: number | null;
  next_attempt_at: number | null;
  updated_at: number;
  last_reply: string | null;
  released_by: string | null;
  cancelled_by: string | null;
}

export interface AttemptRow {
  outbox_id: number;
  at: number;
  outcome: OutboxAttempt['outcome'];
  reply: string;
}

export interface OutboxTablesOptions {
  readonly db: Database.Database;
  /** The store's write transaction, which maps SQLite errors to the store's own. */
  readonly write: <T>(work: () => T) => T;
  readonly emit: (event: StoreEvent) => void;
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Every state with its count, zero for those no entry is in (both engines). */
export function countsByState(
  rows: readonly { state: OutboxState; entries: number }[],
): Record<OutboxState, number> {
  const counts = Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0])) as Record<
    OutboxState,
    number
  >;
  for (const row of rows) counts[row.state] = row.entries;
  return counts;
}

export function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    messageId: row.message_id,
    recipient: row.recipient,
    originalRecipient: row.original_recipient,
    upstream: row.upstream,
    reason: row.reason,
    state: row.state,
    attempts: row.attempts,
    createdAt: iso(row.created_at)!,
    queuedAt: iso(row.queued_at),
    nextAttemptAt: iso(row.next_attempt_at),
    updatedAt: iso(row.updated_at)!,
    lastReply: row.last_reply,
    releasedBy: row.released_by,
    cancelledBy: row.cancelled_by,
  };
}

/** The outbox queries of SqliteStore; every change is emitted as an `outbox` event after commit. */
export class OutboxTables {
  readonly #db: Database.Database;
  readonly #write: OutboxTablesOptions['write'];
  readonly #emit: OutboxTablesOptions['emit'];
  readonly #statements;
  /** What was 'sending' when this process opened the file: its predecessor's, run out. */
  readonly #orphaned: string;

  constructor(options: OutboxTablesOptions) {
    this.#db = options.db;
    this.#write = options.write;
    this.#emit = options.emit;
    const db = this.#db;
    this.#orphaned = JSON.stringify(
      db
        .prepare<[], { id: number }>("SELECT id FROM outbox WHERE state = 'sending'")
        .all()
        .map((r) => r.id),
    );
    this.#statements = {
      insert: db.prepare<unknown[], OutboxRow>(`
        INSERT INTO outbox (message_id, recipient, original_recipient, upstream, reason, state,
          created_at, queued_at, next_attempt_at, updated_at, released_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
      // Due queued entries and run-out leases, each read through its own partial index.
      claim: db.prepare<[{ now: number; limit: number; until: number }], OutboxRow>(`
        UPDATE outbox SET state = 'sending', next_attempt_at = @until, updated_at = @now
        WHERE id IN (SELECT id FROM (
                       SELECT id, next_attempt_at FROM outbox WHERE state = 'queued' AND next_attempt_at <= @now
                       UNION ALL
                       SELECT id, next_attempt_at FROM outbox WHERE state = 'sending' AND next_attempt_at <= @now)
                     ORDER BY next_attempt_at, id LIMIT @limit)
        RETURNING *`),
      record: db.prepare<[string, number, string, number | null, number], OutboxRow>(`
        UPDATE outbox SET state = ?, attempts = attempts + 1, updated_at = ?, last_reply = ?,
          next_attempt_at = ? WHERE id = ? RETURNING *`),
      attempt: db.prepare(
        'INSERT INTO outbox_attempts (outbox_id, at, outcome, reply) VALUES (?, ?, ?, ?)',
      ),
      requeue: db.prepare<[{ now: number; orphaned: string }], OutboxRow>(`
        UPDATE outbox SET state = 'queued', next_attempt_at = @now, updated_at = @now
        WHERE state = 'sending'
          AND (next_attempt_at <= @now OR id IN (SELECT value FROM json_each(@orphaned)))
        RETURNING *`),
      renew: db.prepare<[{ until: number; ids: string }], { id: number }>(`
        UPDATE outbox SET next_attempt_at = @until
        WHERE state = 'sending' AND id IN (SELECT value FROM json_each(@ids)) RETURNING id`),
      get: db.prepare<[number], OutboxRow>('SELECT * FROM outbox WHERE id = ?'),
      byMessage: db.prepare<[number], OutboxRow>(
        'SELECT * FROM outbox WHERE message_id = ? ORDER BY id',
      ),
      attemptsOfMessage: db.prepare<[number], AttemptRow>(`
        SELECT a.outbox_id, a.at, a.outcome, a.reply FROM outbox_attempts a
        JOIN outbox o ON o.id = a.outbox_id WHERE o.message_id = ? ORDER BY a.id`),
      countByState: db.prepare<[], { state: OutboxState; entries: number }>(
        'SELECT state, count(*) AS entries FROM outbox GROUP BY state',
      ),
      nextDue: db.prepare<[], { due: number | null }>(
        "SELECT min(next_attempt_at) AS due FROM outbox WHERE state IN ('queued', 'sending')",
      ),
    };
  }

  add(entries: readonly NewOutboxEntry[]): OutboxEntry[] {
    return this.announce(this.#write(() => this.insert(entries)));
  }

  /**
   * Inserts entries inside the caller's transaction (a new message's, at capture). Nothing is
   * emitted: the caller passes the rows to announce() once the transaction has committed.
   */
  insert(entries: readonly NewOutboxEntry[]): OutboxRow[] {
    const now = Date.now();
    return entries.map((e) => {
      const queued = e.state === 'queued' ? now : null;
      return this.#statements.insert.get(
        e.messageId,
        e.recipient,
        e.originalRecipient,
        e.upstream,
        e.reason,
        e.state,
        now,
        queued,
        queued,
        now,
        e.releasedBy ?? null,
      )!;
    });
  }

  claimDue(now: Date, limit: number, leaseMs: number): OutboxEntry[] {
    return this.announce(
      this.#write(() =>
        this.#statements.claim.all({ now: now.getTime(), limit, until: now.getTime() + leaseMs }),
      ),
    );
  }

  record(results: readonly AttemptResult[]): OutboxEntry[] {
    const now = Date.now();
    const rows = this.#write(() =>
      results.map((r) => {
        this.#statements.attempt.run(r.id, now, r.outcome, r.reply);
        const state = r.outcome === 'sent' ? 'sent' : r.retryAt ? 'queued' : 'failed';
        const row = this.#statements.record.get(
          state,
          now,
          r.reply,
          r.retryAt?.getTime() ?? null,
          r.id,
        );
        if (!row) throw new OutboxEntryNotFoundError(r.id);
        return row;
      }),
    );
    return this.announce(rows);
  }

  change(change: OutboxChange): OutboxEntry[] {
    const now = Date.now();
    const queued = change.to === 'queued';
    const rows = this.#write(() =>
      this.#db
        .prepare<[Record<string, unknown>], OutboxRow>(
          `UPDATE outbox SET state = @to, updated_at = @now, queued_at = @queuedAt,
             next_attempt_at = @queuedAt,
             released_by = CASE WHEN @to = 'queued' THEN @by ELSE released_by END,
             cancelled_by = CASE WHEN @to = 'cancelled' THEN @by ELSE cancelled_by END
           WHERE state IN (SELECT value FROM json_each(@from))
             AND (id IN (SELECT value FROM json_each(@ids))
                  OR message_id IN (SELECT value FROM json_each(@messageIds)))
           RETURNING *`,
        )
        .all({
          to: change.to,
          now,
          queuedAt: queued ? now : null,
          by: change.by ?? null,
          from: JSON.stringify(change.from),
          ids: JSON.stringify(change.ids ?? []),
          messageIds: JSON.stringify(change.messageIds ?? []),
        }),
    );
    return this.announce(rows);
  }

  /**
   * Extends the leases of sends still in progress: one process owns the file, so every
   * entry still 'sending' is its own, and one whose lease ran out would be claimed again.
   */
  renew(ids: readonly number[], until: number): number[] {
    if (ids.length === 0) return [];
    const rows = this.#write(() => this.#statements.renew.all({ until, ids: JSON.stringify(ids) }));
    return rows.map((row) => row.id);
  }

  /** Leases taken before this process opened the file are its predecessor's: all run out. */
  requeueExpired(now: Date): number {
    const bounds = { now: now.getTime(), orphaned: this.#orphaned };
    return this.announce(this.#write(() => this.#statements.requeue.all(bounds))).length;
  }

  list(options: OutboxListOptions): OutboxPage {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (options.before !== undefined) {
      conditions.push('id < ?');
      params.push(options.before);
    }
    if (options.states?.length) {
      conditions.push('state IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(options.states));
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.#db
      .prepare<unknown[], OutboxRow>(`SELECT * FROM outbox ${where} ORDER BY id DESC LIMIT ?`)
      .all(...params, options.limit + 1);
    const entries = rows.slice(0, options.limit).map(toEntry);
    return {
      entries,
      nextCursor: rows.length > options.limit ? entries[entries.length - 1]!.id : null,
    };
  }

  get(id: OutboxId): OutboxEntry {
    const row = this.#statements.get.get(id);
    if (!row) throw new OutboxEntryNotFoundError(id);
    return toEntry(row);
  }

  history(messageId: MessageId): OutboxHistory {
    return {
      entries: this.#statements.byMessage.all(messageId).map(toEntry),
      attempts: this.#statements.attemptsOfMessage.all(messageId).map((a) => ({
        outboxId: a.outbox_id,
        at: iso(a.at)!,
        outcome: a.outcome,
        reply: a.reply,
      })),
    };
  }

  countByState(): Record<OutboxState, number> {
    return countsByState(this.#statements.countByState.all());
  }

  nextDue(): Date | null {
    const { due } = this.#statements.nextDue.get()!;
    return due === null ? null : new Date(due);
  }

  /** Rows changed by a committed transaction, as entries, emitted as one `outbox` event. */
  announce(rows: readonly OutboxRow[]): OutboxEntry[] {
    const entries = rows.map(toEntry);
    if (entries.length > 0) this.#emit({ type: 'outbox', entries });
    return entries;
  }
}
