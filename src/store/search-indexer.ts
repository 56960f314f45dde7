import type Database from 'better-sqlite3';

export interface SearchIndexerOptions {
  readonly db: Database.Database;
  /** Runs `work` in one write transaction (the store's, so errors are translated alike). */
  readonly write: <T>(work: () => T) => T;
  /** Characters of search text moved per slice; about 100 ns each, so 128 KB is ~13 ms. */
  readonly sliceChars?: number;
}

const DEFAULT_SLICE_CHARS = 128 * 1024;
/** Rows looked at per slice, whatever their size. */
const SLICE_ROWS = 256;

/**
 * Moves search text from search_pending into the trigram index, a slice at a time, each
 * slice its own short transaction scheduled behind whatever else is queued, so that storing
 * mail (and its 250) never waits for more than one slice of indexing.
 */
export class SearchIndexer {
  readonly #write: SearchIndexerOptions['write'];
  readonly #sliceChars: number;
  readonly #statements;
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(options: SearchIndexerOptions) {
    const { db } = options;
    this.#write = options.write;
    this.#sliceChars = options.sliceChars ?? DEFAULT_SLICE_CHARS;
    this.#statements = {
      sizes: db.prepare<[number], { id: number; chars: number }>(
        `SELECT id, length(subject) + length(sender) + length(recipients) + length(cc)
           + length(body) + length(filenames) AS chars
         FROM search_pending ORDER BY id LIMIT ?`,
      ),
      index: db.prepare<[number]>(
        `INSERT INTO message_search (rowid, subject, sender, recipients, cc, body, filenames)
         SELECT id, subject, sender, recipients, cc, body, filenames
         FROM search_pending WHERE id <= ? ORDER BY id`,
      ),
      forget: db.prepare<[number]>('DELETE FROM search_pending WHERE id <= ?'),
    };
  }

  /** Indexes what is pending, starting on a later turn of the event loop. */
  schedule(): void {
    if (this.#closed || this.#scheduled) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      if (this.indexSlice()) this.schedule();
    });
  }

  /** Indexes one slice now; true if more is pending. */
  indexSlice(): boolean {
    try {
      return this.#write(() => {
        const rows = this.#statements.sizes.all(SLICE_ROWS);
        if (rows.length === 0) return false;
        let through = rows[0]!.id;
        let chars = 0;
        for (const row of rows) {
          if (chars > 0 && chars + row.chars > this.#sliceChars) break;
          chars += row.chars;
          through = row.id;
        }
        this.#statements.index.run(through);
        this.#statements.forget.run(through);
        return through !== rows[rows.length - 1]!.id || rows.length === SLICE_ROWS;
      });
    } catch {
      // A full disk (or a locked file): the rows stay pending, still found by searches,
      // and the next stored message schedules another try.
      return false;
    }
  }

  /** Leaves what is pending for the next start. */
  close(): void {
    this.#closed = true;
    clearImmediate(this.#scheduled);
  }
}
