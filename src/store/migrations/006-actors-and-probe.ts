/**
 * Who let each outbox entry leave (released, approved or retried it) and who stopped it
 * (rejected or cancelled it): the signed-in user's or token's name; null when a rule did.
 * And one row the readiness probe rewrites, so that "can the database be written" is
 * answered by a real write.
 */
export const sql = `
ALTER TABLE outbox ADD COLUMN released_by TEXT;
ALTER TABLE outbox ADD COLUMN cancelled_by TEXT;

CREATE TABLE readiness_probe (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  written_at INTEGER NOT NULL
) STRICT;
INSERT INTO readiness_probe VALUES (1, 0);
`;
