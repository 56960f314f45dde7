import type Database from 'better-sqlite3';
import { iso } from './outbox.js';
import type {
  MessageId,
  NewWebhookAttempt,
  WebhookAttempt,
  WebhookAttemptPage,
  WebhookCursor,
} from './types.js';

export interface CursorRow {
  webhook: string;
  delivered_through: number;
  retry_message_id: number | null;
  attempts: number;
  first_attempt_at: number | null;
  next_attempt_at: number | null;
}

export interface WebhookAttemptRow {
  id: number;
  webhook: string;
  message_id: number;
  at: number;
  outcome: WebhookAttempt['outcome'];
  status: number | null;
  reply: string;
  duration_ms: number;
  retry_at: number | null;
}

/** Attempts kept per webhook: the history shown in the API, not an archive. */
export const KEPT_ATTEMPTS = 1000;

/** The webhook queries of SqliteStore (tables of migration 011). */
export class WebhookTables {
  readonly #db: Database.Database;
  readonly #write: <T>(work: () => T) => T;
  readonly #statements;

  constructor(db: Database.Database, write: <T>(work: () => T) => T) {
    this.#db = db;
    this.#write = write;
    this.#statements = {
      get: db.prepare<[string], CursorRow>('SELECT * FROM webhook_cursors WHERE webhook = ?'),
      create: db.prepare<[string]>(
        `INSERT OR IGNORE INTO webhook_cursors (webhook, delivered_through)
         SELECT ?, coalesce(max(id), 0) FROM messages`,
      ),
      advance: db.prepare<[{ through: number; webhook: string }]>(
        `UPDATE webhook_cursors SET delivered_through = max(delivered_through, @through),
           retry_message_id = CASE WHEN retry_message_id <= @through THEN NULL ELSE retry_message_id END,
           attempts = CASE WHEN retry_message_id <= @through THEN 0 ELSE attempts END
         WHERE webhook = @webhook`,
      ),
      retry: db.prepare<[{ message: number; now: number; next: number; webhook: string }]>(
        `UPDATE webhook_cursors SET
           attempts = CASE WHEN retry_message_id IS @message THEN attempts + 1 ELSE 1 END,
           first_attempt_at = CASE WHEN retry_message_id IS @message THEN first_attempt_at ELSE @now END,
           retry_message_id = @message, next_attempt_at = @next
         WHERE webhook = @webhook`,
      ),
      clearRetry: db.prepare<[string]>(
        `UPDATE webhook_cursors SET retry_message_id = NULL, attempts = 0,
           first_attempt_at = NULL, next_attempt_at = NULL WHERE webhook = ?`,
      ),
      insertAttempt: db.prepare(
        `INSERT INTO webhook_attempts (webhook, message_id, at, outcome, status, reply, duration_ms, retry_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      trimAttempts: db.prepare<[string, string, number]>(
        `DELETE FROM webhook_attempts WHERE webhook = ? AND id <= (
           SELECT id FROM webhook_attempts WHERE webhook = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ),
    };
  }

  open(webhook: string): WebhookCursor {
    // A read when it exists (GET /api/webhooks asks for it): only a new webhook writes.
    const row = this.#statements.get.get(webhook);
    if (row) return toCursor(row);
    return this.#write(() => {
      this.#statements.create.run(webhook);
      return toCursor(this.#statements.get.get(webhook)!);
    });
  }

  record(attempt: NewWebhookAttempt): WebhookCursor {
    const now = Date.now();
    const { webhook, messageId } = attempt;
    return this.#write(() => {
      this.#statements.insertAttempt.run(
        webhook,
        messageId,
        now,
        attempt.outcome,
        attempt.status,
        attempt.reply,
        attempt.durationMs,
        attempt.retryAt?.getTime() ?? null,
      );
      this.#statements.trimAttempts.run(webhook, webhook, KEPT_ATTEMPTS);
      if (attempt.retryAt) {
        const next = attempt.retryAt.getTime();
        this.#statements.retry.run({ message: messageId, now, next, webhook });
      } else {
        // Delivered, or given up on: the message is behind this webhook for good.
        this.#statements.advance.run({ through: messageId, webhook });
        this.#statements.clearRetry.run(webhook);
      }
      return toCursor(this.#statements.get.get(webhook)!);
    });
  }

  advance(webhook: string, through: MessageId): void {
    this.#write(() => this.#statements.advance.run({ through, webhook }));
  }

  list(webhook: string, limit: number, before?: number): WebhookAttemptPage {
    const rows = this.#db
      .prepare<unknown[], WebhookAttemptRow>(
        `SELECT * FROM webhook_attempts WHERE webhook = ? ${before === undefined ? '' : 'AND id < ?'}
         ORDER BY id DESC LIMIT ?`,
      )
      .all(...(before === undefined ? [webhook] : [webhook, before]), limit + 1);
    const attempts = rows.slice(0, limit).map(toAttempt);
    return {
      attempts,
      nextCursor: rows.length > limit ? attempts[attempts.length - 1]!.id : null,
    };
  }
}

export function toCursor(row: CursorRow): WebhookCursor {
  return {
    webhook: row.webhook,
    deliveredThrough: row.delivered_through,
    retryMessageId: row.retry_message_id,
    attempts: row.attempts,
    firstAttemptAt: iso(row.first_attempt_at),
    nextAttemptAt: iso(row.next_attempt_at),
  };
}

export function toAttempt(row: WebhookAttemptRow): WebhookAttempt {
  return {
    id: row.id,
    webhook: row.webhook,
    messageId: row.message_id,
    at: iso(row.at)!,
    outcome: row.outcome,
    status: row.status,
    reply: row.reply,
    durationMs: row.duration_ms,
    retryAt: iso(row.retry_at),
  };
}
