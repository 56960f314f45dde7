/**
 * Search text waiting for the full-text index. Indexing a message's trigrams costs about
 * 100 ns per byte of text (10 ms for a 100 KB body), far more than storing it; ingest writes
 * the folded search text here instead, a plain insert, and the store moves rows into
 * message_search in batches when it is not busy storing mail. Searches read both tables,
 * so a message is found from the moment its 250 is sent.
 */
export const sql = `
CREATE TABLE search_pending (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipients TEXT NOT NULL,
  cc TEXT NOT NULL,
  body TEXT NOT NULL,
  filenames TEXT NOT NULL
) STRICT;

DROP TRIGGER messages_count_delete;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
  UPDATE message_counts SET total = total - 1, unread = unread - (OLD.is_read = 0);
  DELETE FROM message_bodies WHERE id = OLD.id;
  DELETE FROM message_search WHERE rowid = OLD.id;
  DELETE FROM search_pending WHERE id = OLD.id;
END;
`;
