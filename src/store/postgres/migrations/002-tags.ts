/**
 * Tags in a table of their own, so that `tag:` searches read an index, and a count per tag
 * kept by triggers, so that the list of all tags (which every Mailpit answer carries) does
 * not read a row per tagged message (as SQLite's 009-tags). Case does not matter: `Urgent`
 * and `urgent` are one tag, shown as first written. `messages.tags` stays the summary's copy.
 */
export const sql = `
CREATE TABLE message_tags (
  tag text NOT NULL,
  message_id bigint NOT NULL
);
CREATE UNIQUE INDEX message_tags_tag ON message_tags (lower(tag), message_id);
CREATE INDEX message_tags_message ON message_tags (message_id);

CREATE TABLE tag_counts (
  tag text NOT NULL,
  messages bigint NOT NULL
);
CREATE UNIQUE INDEX tag_counts_tag ON tag_counts (lower(tag));

CREATE FUNCTION message_tags_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO tag_counts (tag, messages)
      SELECT min(tag), count(*) FROM new_rows GROUP BY lower(tag)
      ON CONFLICT ((lower(tag))) DO UPDATE SET messages = tag_counts.messages + excluded.messages;
  ELSE
    UPDATE tag_counts c SET messages = c.messages - d.n
      FROM (SELECT lower(tag) AS tag, count(*) AS n FROM old_rows GROUP BY 1) d
      WHERE lower(c.tag) = d.tag;
    DELETE FROM tag_counts WHERE messages <= 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER message_tags_counted_insert AFTER INSERT ON message_tags
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION message_tags_counted();
CREATE TRIGGER message_tags_counted_delete AFTER DELETE ON message_tags
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION message_tags_counted();

CREATE OR REPLACE FUNCTION messages_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone bigint[] := ARRAY(SELECT id FROM old_rows);
BEGIN
  DELETE FROM message_bodies WHERE id = ANY(gone);
  DELETE FROM message_raw_pieces WHERE id = ANY(gone);
  DELETE FROM message_search WHERE id = ANY(gone);
  DELETE FROM search_pending WHERE id = ANY(gone);
  DELETE FROM message_tags WHERE message_id = ANY(gone);
  UPDATE outbox SET state = 'cancelled', last_reply = 'the message was deleted',
    updated_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  WHERE message_id = ANY(gone) AND state IN ('held', 'queued');
  RETURN NULL;
END $$;

INSERT INTO message_tags (tag, message_id)
  SELECT DISTINCT ON (lower(t.tag), m.id) t.tag, m.id
  FROM messages m, jsonb_array_elements_text(m.tags::jsonb) AS t(tag) WHERE m.tags != '[]';
`;
