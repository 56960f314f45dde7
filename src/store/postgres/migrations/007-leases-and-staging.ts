/**
 * Two things several instances on one database must not do twice or undo for each other.
 *
 * A webhook's cursor is leased, as an outbox entry being sent is: the instance delivering
 * holds it (leased_by) until lease_until, renewing it while it works, so each message is
 * POSTed by one instance at a time and a dead instance's turn is taken over once it runs out.
 *
 * A message larger than a piece is written while its DATA arrives (as SQLite's 008): its
 * pieces go into message_raw_pieces under a negative key (message ids are positive) taken
 * from staging_keys, and move to the message's id when it is committed (an UPDATE of the
 * id, which keeps the stored bytes where they are). staged_messages leases each key to the
 * instance receiving it, renewed while the session lives; a key whose lease ran out belongs
 * to an instance that died, and its pieces are removed by whichever instance looks next.
 */
export const sql = `
ALTER TABLE webhook_cursors ADD COLUMN leased_by text, ADD COLUMN lease_until bigint;

CREATE SEQUENCE staging_keys;
CREATE TABLE staged_messages (
  key bigint PRIMARY KEY CHECK (key < 0),
  leased_by text NOT NULL,
  lease_until bigint NOT NULL
);
CREATE INDEX staged_messages_lease ON staged_messages (lease_until);
`;
