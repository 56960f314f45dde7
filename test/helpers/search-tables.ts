import Database from 'better-sqlite3';

/** Rows in the search index and rows waiting for it, read through a second connection. */
export function searchTables(path: string): { indexed: number; pending: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { indexed: count('message_search'), pending: count('search_pending') };
  } finally {
    db.close();
  }
}
