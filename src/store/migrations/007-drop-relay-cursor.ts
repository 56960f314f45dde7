/**
 * The relay decides when a message is captured, in the transaction that stores it, so no
 * message is ever stored undecided and the cursor that bounded the catch-up after a crash
 * has nothing left to mark.
 */
export const sql = `
DROP TABLE relay_cursor;
`;
