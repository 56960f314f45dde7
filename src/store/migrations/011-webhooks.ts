/**
 * Webhooks read the messages table as their queue: each keeps a cursor, the id through which
 * every message has been delivered (or skipped by its filter, or given up on). Nothing is
 * written on the ingest path, and a message committed before a crash is still after the
 * cursor when the process comes back. `webhook_attempts` is the visible history.
 */
export const sql = `
CREATE TABLE webhook_cursors (
  webhook TEXT PRIMARY KEY,
  delivered_through INTEGER NOT NULL,
  retry_message_id INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  first_attempt_at INTEGER,
  next_attempt_at INTEGER
) STRICT;
CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY,
  webhook TEXT NOT NULL,
  message_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  status INTEGER,
  reply TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  retry_at INTEGER
) STRICT;
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook, id);
`;
