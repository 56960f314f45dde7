/**
 * Who let each outbox entry leave (released, approved or retried it) and who stopped it
 * (rejected or cancelled it), null when a rule did; and one row the readiness probe
 * rewrites, so that "can the database be written" is answered by a real write (as
 * SQLite's 006-actors-and-probe).
 */
export const sql = `
ALTER TABLE outbox ADD COLUMN released_by text, ADD COLUMN cancelled_by text;

CREATE TABLE readiness_probe (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  written_at bigint NOT NULL
);
INSERT INTO readiness_probe VALUES (true, 0);
`;
