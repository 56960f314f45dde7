/**
 * A large message's raw bytes in pieces. Binding one 50 MB blob means SQLite copies it whole
 * while the chunks it was joined from are still alive; pieces of ~256 KB keep a large
 * message near one copy in memory from the socket to the disk. message_bodies.raw stays
 * the home of every message up to a piece's size, which is nearly all of them.
 */
export const sql = `
ALTER TABLE message_bodies ADD COLUMN raw_pieces INTEGER NOT NULL DEFAULT 0;

CREATE TABLE message_raw_pieces (
  id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (id, seq)
) STRICT;

DROP TRIGGER messages_count_delete;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
  UPDATE message_counts SET total = total - 1, unread = unread - (OLD.is_read = 0);
  DELETE FROM message_bodies WHERE id = OLD.id;
  DELETE FROM message_raw_pieces WHERE id = OLD.id;
  DELETE FROM message_search WHERE rowid = OLD.id;
  DELETE FROM search_pending WHERE id = OLD.id;
END;
`;
