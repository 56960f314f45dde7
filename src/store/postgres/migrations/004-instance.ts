/**
 * Which database this is: a random id made once, with the database (as SQLite's
 * 010-instance). A live client that reconnects with a resume point from another database is
 * told to start over instead of silently missing mail until the ids catch up.
 */
export const sql = `
CREATE TABLE database_instance (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  id text NOT NULL
);
INSERT INTO database_instance VALUES (true, replace(gen_random_uuid()::text, '-', ''));
`;
