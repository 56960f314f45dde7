/**
 * The relay decides when a message is captured, in the transaction that stores it, on the
 * instance that captured it (as SQLite's 007-drop-relay-cursor): no message is stored
 * undecided, and the cursor that bounded the catch-up after a crash has nothing to mark.
 */
export const sql = `
DROP TABLE relay_cursor;
`;
