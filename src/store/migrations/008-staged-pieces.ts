/**
 * A large message is written to the database piece by piece while DATA is still arriving
 * (issue 12), before it has an id: its pieces are staged under a negative key of their own,
 * and the body row names that key when the message is committed. Rows from before keep
 * their pieces under the message id (pieces_key NULL). Staged pieces that no body names (a
 * client that went away mid-DATA, a crash) are removed when the store opens.
 */
export const sql = `
ALTER TABLE message_bodies ADD COLUMN pieces_key INTEGER;

CREATE TRIGGER message_bodies_delete_staged_pieces AFTER DELETE ON message_bodies
WHEN OLD.pieces_key IS NOT NULL BEGIN
  DELETE FROM message_raw_pieces WHERE id = OLD.pieces_key;
END;
`;
