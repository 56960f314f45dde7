/**
 * Which database this is: a random id made once, with the database. A live client that
 * reconnects with a resume point from another database (a restart on `:memory:`, a replaced
 * file) is told to start over instead of silently missing mail until the ids catch up.
 */
export const sql = `
CREATE TABLE database_instance (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  id TEXT NOT NULL
) STRICT;
INSERT INTO database_instance VALUES (1, lower(hex(randomblob(16))));
`;
