/**
 * Tags in a table of their own, so that `tag:` searches read an index instead of every
 * message's JSON, and a count per tag kept by triggers, so that the list of all tags (which
 * every Mailpit list answer carries) does not read a row per tagged message.
 * `messages.tags` stays the summary's copy, written in the same transaction (src/store/tags.ts).
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
CREATE TABLE tag_counts (
  tag TEXT PRIMARY KEY COLLATE NOCASE,
  messages INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TRIGGER message_tags_count_insert AFTER INSERT ON message_tags BEGIN
  INSERT INTO tag_counts (tag, messages) VALUES (NEW.tag, 1)
    ON CONFLICT (tag) DO UPDATE SET messages = messages + 1;
END;
CREATE TRIGGER message_tags_count_delete AFTER DELETE ON message_tags BEGIN
  UPDATE tag_counts SET messages = messages - 1 WHERE tag = OLD.tag;
  DELETE FROM tag_counts WHERE tag = OLD.tag AND messages <= 0;
END;
INSERT OR IGNORE INTO message_tags (tag, message_id)
  SELECT j.value, m.id FROM messages m, json_each(m.tags) j WHERE m.tags != '[]';
`;
