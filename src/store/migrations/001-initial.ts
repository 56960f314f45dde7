/** Messages: a small summary row for lists, the raw bytes and parsed detail apart, and a search index. */
export const sql = `
CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at INTEGER NOT NULL,
  mail_from TEXT NOT NULL,
  rcpt_to TEXT NOT NULL,
  from_addr TEXT,
  to_addrs TEXT NOT NULL,
  cc_addrs TEXT NOT NULL,
  bcc_addrs TEXT NOT NULL,
  subject TEXT NOT NULL,
  snippet TEXT NOT NULL,
  size INTEGER NOT NULL,
  attachment_count INTEGER NOT NULL,
  is_read INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '[]',
  message_id TEXT,
  date INTEGER,
  parse_error INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX messages_received_at ON messages (received_at);
CREATE INDEX messages_unread ON messages (id) WHERE is_read = 0;
CREATE INDEX messages_with_attachments ON messages (id) WHERE attachment_count > 0;

-- Kept apart so that list queries never read a body page.
CREATE TABLE message_bodies (
  id INTEGER PRIMARY KEY,
  raw BLOB NOT NULL,
  detail TEXT NOT NULL
) STRICT;

-- Counted by triggers so that totals cost nothing at a million rows.
CREATE TABLE message_counts (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  total INTEGER NOT NULL,
  unread INTEGER NOT NULL
) STRICT;
INSERT INTO message_counts VALUES (1, 0, 0);

-- Trigram tokens give substring search, which also covers Korean, Japanese and Chinese
-- text that has no spaces between words.
CREATE VIRTUAL TABLE message_search USING fts5(
  subject, sender, recipients, cc, body, filenames,
  tokenize = 'trigram remove_diacritics 1'
);
CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
  UPDATE message_counts SET total = total + 1, unread = unread + (NEW.is_read = 0);
END;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
  UPDATE message_counts SET total = total - 1, unread = unread - (OLD.is_read = 0);
  DELETE FROM message_bodies WHERE id = OLD.id;
  DELETE FROM message_search WHERE rowid = OLD.id;
END;
CREATE TRIGGER messages_count_read AFTER UPDATE OF is_read ON messages WHEN OLD.is_read != NEW.is_read BEGIN
  UPDATE message_counts SET unread = unread + (NEW.is_read = 0) - (OLD.is_read = 0);
END;

`;
