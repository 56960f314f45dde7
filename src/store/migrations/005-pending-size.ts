/**
 * The size of each pending row's search text, written at ingest. The indexer sizes its
 * slices by it; measuring with length() would read every pending body (and a 100 KB body
 * spans overflow pages) just to decide how many to take.
 */
export const sql = `
ALTER TABLE search_pending ADD COLUMN chars INTEGER NOT NULL DEFAULT 0;
UPDATE search_pending SET chars = length(subject) + length(sender) + length(recipients)
  + length(cc) + length(body) + length(filenames);
`;
