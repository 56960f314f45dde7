/**
 * The relay outbox: one row per message and recipient, and every attempt to send it.
 * States: held -> queued -> sending -> sent | failed | cancelled.
 */
export const sql = `
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id INTEGER NOT NULL,
  -- The address sent to (after a rewrite) and the one the message was captured for.
  recipient TEXT NOT NULL,
  original_recipient TEXT NOT NULL,
  upstream TEXT NOT NULL,
  -- Why it is here: a rule's name, or 'manual release'.
  reason TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('held', 'queued', 'sending', 'sent', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  -- When it last entered 'queued' from outside the worker: the retry age counts from here.
  queued_at INTEGER,
  next_attempt_at INTEGER,
  updated_at INTEGER NOT NULL,
  last_reply TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_message ON outbox (message_id);
CREATE INDEX outbox_sending ON outbox (id) WHERE state = 'sending';

CREATE TABLE outbox_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  outbox_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'transient', 'permanent')),
  reply TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_attempts_entry ON outbox_attempts (outbox_id);

-- Every message up to this id has had its relay decision. Rules run after the commit, so a
-- crash in between leaves undecided messages above it; the relay decides them on start.
-- Starts at the newest message: turning the relay on never sends mail captured before.
CREATE TABLE relay_cursor (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  decided_through INTEGER NOT NULL
) STRICT;
INSERT INTO relay_cursor VALUES (1, (SELECT coalesce(max(id), 0) FROM messages));

-- A deleted message can no longer be sent: what was still waiting is cancelled.
CREATE TRIGGER outbox_message_deleted AFTER DELETE ON messages BEGIN
  UPDATE outbox SET state = 'cancelled', last_reply = 'the message was deleted', updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
  WHERE message_id = OLD.id AND state IN ('held', 'queued');
END;
CREATE TRIGGER outbox_entry_deleted AFTER DELETE ON outbox BEGIN
  DELETE FROM outbox_attempts WHERE outbox_id = OLD.id;
END;
`;
