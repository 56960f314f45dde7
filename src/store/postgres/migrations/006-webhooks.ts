/**
 * Webhooks on PostgreSQL (as SQLite's 011): each keeps a cursor, the id through which every
 * message has been delivered, skipped by its filter, or given up on; `webhook_attempts` is
 * the visible history. Shared by every instance on the database (see README, Webhooks).
 */
export const sql = `
CREATE TABLE webhook_cursors (
  webhook text PRIMARY KEY,
  delivered_through bigint NOT NULL,
  retry_message_id bigint,
  attempts integer NOT NULL DEFAULT 0,
  first_attempt_at bigint,
  next_attempt_at bigint
);
CREATE TABLE webhook_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook text NOT NULL,
  message_id bigint NOT NULL,
  at bigint NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'refused')),
  status integer,
  reply text NOT NULL,
  duration_ms integer NOT NULL,
  retry_at bigint
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook, id);
`;
