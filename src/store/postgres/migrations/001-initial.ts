/**
 * Messages, their bodies and search text, counts, and the relay outbox.
 * `{{trgm}}` is the schema pg_trgm is installed in (see migrate.ts).
 */
export const sql = `
CREATE SEQUENCE messages_id_seq;

-- Ids come from messages_id_seq inside the insert lock (insert.ts), so that they become
-- visible in order: a reader that has seen id N has seen every id below it.
CREATE TABLE messages (
  id bigint PRIMARY KEY,
  received_at bigint NOT NULL,
  mail_from text NOT NULL,
  rcpt_to text NOT NULL,
  from_addr text,
  to_addrs text NOT NULL,
  cc_addrs text NOT NULL,
  bcc_addrs text NOT NULL,
  subject text NOT NULL,
  snippet text NOT NULL,
  size bigint NOT NULL,
  attachment_count integer NOT NULL,
  is_read boolean NOT NULL DEFAULT false,
  tags text NOT NULL DEFAULT '[]',
  message_id text,
  date bigint,
  parse_error boolean NOT NULL DEFAULT false,
  -- What the message takes in these tables: --max-db-size counts it (see message_counts).
  stored_bytes bigint NOT NULL
);
ALTER SEQUENCE messages_id_seq OWNED BY messages.id;
CREATE INDEX messages_received_at ON messages (received_at);
CREATE INDEX messages_unread ON messages (id) WHERE NOT is_read;
CREATE INDEX messages_with_attachments ON messages (id) WHERE attachment_count > 0;

-- Kept apart so that lists never read a body; deleted with their message by messages_deleted
-- below. raw_pieces > 0: the bytes are in message_raw_pieces.
CREATE TABLE message_bodies (
  id bigint PRIMARY KEY,
  raw bytea NOT NULL,
  detail text NOT NULL,
  raw_pieces integer NOT NULL DEFAULT 0
);
CREATE TABLE message_raw_pieces (
  id bigint NOT NULL,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (id, seq)
);

-- A message's search text: subject, sender, recipients, cc, body and file names, folded
-- (lower case, Latin accents dropped) and joined by U+001F, so that one LIKE finds a
-- substring in any of them and split_part() reads one. The trigram index serves terms of
-- three characters and more in any script (the cluster's ctype must be UTF-8 for trigrams
-- of non-ASCII text). bucket = id >> 15 is in the index too (btree_gin): a search reads
-- the newest bucket first and stops once it has enough matches (message-queries.ts),
-- instead of re-reading every match of a common word to sort them.
CREATE TABLE message_search (
  id bigint PRIMARY KEY,
  bucket integer NOT NULL,
  text text NOT NULL
);
CREATE INDEX message_search_trigrams ON message_search USING gin (bucket, text {{trgm}}.gin_trgm_ops);

-- Search text waiting for the index. Indexing a message's trigrams costs far more than
-- storing it (~50 ms for a 100 KB body here): ingest writes the text here, a plain insert,
-- and the indexer (search-indexer.ts) moves it into message_search in slices when the store
-- is not busy. Searches read both, so a message is found from the moment its 250 is sent.
CREATE TABLE search_pending (
  id bigint PRIMARY KEY,
  text text NOT NULL,
  chars integer NOT NULL
);

-- lz4 where the server has it: ingest pays for compression on every message.
DO $$ BEGIN
  ALTER TABLE message_bodies ALTER raw SET COMPRESSION lz4, ALTER detail SET COMPRESSION lz4;
  ALTER TABLE message_raw_pieces ALTER data SET COMPRESSION lz4;
  ALTER TABLE message_search ALTER text SET COMPRESSION lz4;
  ALTER TABLE search_pending ALTER text SET COMPRESSION lz4;
-- PostgreSQL 13 has no SET COMPRESSION; builds without lz4 refuse it.
EXCEPTION WHEN feature_not_supported OR syntax_error THEN NULL;
END $$;

-- Counted by statement triggers so that totals cost nothing at a million rows.
CREATE TABLE message_counts (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  total bigint NOT NULL,
  unread bigint NOT NULL,
  stored_bytes bigint NOT NULL
);
INSERT INTO message_counts VALUES (true, 0, 0, 0);

CREATE FUNCTION messages_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE message_counts SET total = total + n, unread = unread + u, stored_bytes = stored_bytes + b
    FROM (SELECT count(*) AS n, count(*) FILTER (WHERE NOT is_read) AS u,
                 coalesce(sum(stored_bytes), 0) AS b FROM new_rows) d;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE message_counts SET total = total - n, unread = unread - u, stored_bytes = stored_bytes - b
    FROM (SELECT count(*) AS n, count(*) FILTER (WHERE NOT is_read) AS u,
                 coalesce(sum(stored_bytes), 0) AS b FROM old_rows) d;
  ELSE
    UPDATE message_counts SET unread = unread + d.u
    FROM (SELECT (SELECT count(*) FROM new_rows WHERE NOT is_read)
               - (SELECT count(*) FROM old_rows WHERE NOT is_read) AS u) d
    WHERE d.u != 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER messages_counted_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_counted();
CREATE TRIGGER messages_counted_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_counted();
CREATE TRIGGER messages_counted_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION messages_counted();

-- The relay outbox: one row per message and recipient. States: held -> queued -> sending ->
-- sent | failed | cancelled. While 'sending', next_attempt_at is when the lease of the
-- instance sending it runs out: past it, another instance takes the entry over.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id bigint NOT NULL,
  recipient text NOT NULL,
  original_recipient text NOT NULL,
  upstream text NOT NULL,
  reason text NOT NULL,
  state text NOT NULL CHECK (state IN ('held', 'queued', 'sending', 'sent', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  queued_at bigint,
  next_attempt_at bigint,
  updated_at bigint NOT NULL,
  last_reply text,
  -- The instance holding the lease, while 'sending' (for the operator; nothing reads it).
  leased_by text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_message ON outbox (message_id);

CREATE TABLE outbox_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id bigint NOT NULL REFERENCES outbox ON DELETE CASCADE,
  at bigint NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('sent', 'transient', 'permanent')),
  reply text NOT NULL
);
CREATE INDEX outbox_attempts_entry ON outbox_attempts (outbox_id);

-- A deleted message takes its body, pieces and search text with it (one statement for a
-- whole delete, where foreign keys would check and cascade row by row); what was still
-- waiting in the outbox can no longer be sent and is cancelled.
-- The ids as an array: the planner then looks each up by index (a transition table has no
-- statistics, and a join with it may read the whole table for a handful of rows).
CREATE FUNCTION messages_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone bigint[] := ARRAY(SELECT id FROM old_rows);
BEGIN
  DELETE FROM message_bodies WHERE id = ANY(gone);
  DELETE FROM message_raw_pieces WHERE id = ANY(gone);
  DELETE FROM message_search WHERE id = ANY(gone);
  DELETE FROM search_pending WHERE id = ANY(gone);
  UPDATE outbox SET state = 'cancelled', last_reply = 'the message was deleted',
    updated_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  WHERE message_id = ANY(gone) AND state IN ('held', 'queued');
  RETURN NULL;
END $$;
CREATE TRIGGER messages_deleted AFTER DELETE ON messages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_deleted();

-- Every message up to this id has had its relay decision (as in SQLite's 002-relay).
CREATE TABLE relay_cursor (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  decided_through bigint NOT NULL
);
INSERT INTO relay_cursor VALUES (true, 0);
`;
