/**
 * Tags in a table of their own, so that `tag:` searches and the list of all tags read an
 * index instead of every message's JSON. `messages.tags` stays the summary's copy, written
 * in the same transaction (src/store/tags.ts).
 */
export const sql = `
CREATE TABLE message_tags (
  tag TEXT NOT NULL COLLATE NOCASE,
  message_id INTEGER NOT NULL,
  PRIMARY KEY (tag, message_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_tags_message ON message_tags (message_id);
CREATE TRIGGER messages_tags_delete AFTER DELETE ON messages BEGIN
  DELETE FROM message_tags WHERE message_id = OLD.id;
END;
INSERT OR IGNORE INTO message_tags (tag, message_id)
  SELECT j.value, m.id FROM messages m, json_each(m.tags) j WHERE m.tags != '[]';
`;
