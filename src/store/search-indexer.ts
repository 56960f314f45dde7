import type Database from 'better-sqlite3';

export interface SearchIndexerOptions {
  readonly db: Database.Database;
  /** Runs `work` in one write transaction (the store's, so errors are translated alike). */
  readonly write: <T>(work: () => T) => T;
  /** How long the store must be quiet before indexing starts; default 20 ms. */
  readonly quietMs?: number;
  /** Pending text past which indexing takes turns with ingest; default 128 MB. */
  readonly pendingBudgetChars?: number;
}

/**
 * Characters moved by the first slice after mail was stored: it holds the write lock for
 * ~15 ms, so a message arriving meanwhile waits no longer than that.
 */
export const SLICE_CHARS = 128 * 1024;
/**
 * Each slice that follows with no mail in between takes twice as much, up to this. FTS5
 * pays a large cost per transaction (a segment of its own): one 100 KB message per slice
 * cost ~15 ms of CPU to index, five per slice ~6.5 ms each (issue 12). A backlog is taken
 * in large slices once mail has stopped; a message arriving during one waits for it (tens
 * of ms), and resets the next slice to SLICE_CHARS.
 */
export const MAX_SLICE_CHARS = 512 * 1024;
/** Rows looked at per slice of SLICE_CHARS, whatever their size (more in larger slices). */
const SLICE_ROWS = 256;
/** Indexing waits until no mail has been stored for this long... */
const QUIET_MS = 20;
/**
 * ...unless this much text is pending; past it, indexing takes turns with ingest. A search
 * reads pending text with LIKE, newest first, stopping once it has a page and its count;
 * only a term that matches little scans all of it (~2 GB/s here: ~250 ms at 512 MB). A
 * burst of 5,000 messages of 100 KB stays under it and is taken at full speed.
 */
const PENDING_BUDGET_CHARS = 512 * 1024 * 1024;

/**
 * The pending rows (oldest first) one slice takes: at least one, and as many more as fit
 * in `maxChars`; `through` is the last one's id (0 when there are none).
 */
export function sliceOf(
  rows: readonly { id: number; chars: number }[],
  maxChars: number,
): { through: number; chars: number } {
  let through = 0;
  let chars = 0;
  for (const row of rows) {
    if (chars > 0 && chars + row.chars > maxChars) break;
    chars += row.chars;
    through = row.id;
  }
  return { through, chars };
}

/**
 * Moves search text from search_pending into the trigram index in slices, each its own
 * short transaction. Storing mail comes first: the index catches up once mail stops
 * arriving for a moment, or takes turns with it when too much text is waiting.
 */
export class SearchIndexer {
  readonly #write: SearchIndexerOptions['write'];
  readonly #statements;
  readonly #quietMs: number;
  readonly #budget: number;
  #pendingChars: number;
  /** The next slice's size: SLICE_CHARS after mail was stored, growing while none is. */
  #sliceChars = SLICE_CHARS;
  #lastStored = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(options: SearchIndexerOptions) {
    const { db } = options;
    this.#write = options.write;
    this.#quietMs = options.quietMs ?? QUIET_MS;
    this.#budget = options.pendingBudgetChars ?? PENDING_BUDGET_CHARS;
    this.#statements = {
      sizes: db.prepare<[number], { id: number; chars: number }>(
        'SELECT id, chars FROM search_pending ORDER BY id LIMIT ?',
      ),
      index: db.prepare<[number]>(
        `INSERT INTO message_search (rowid, subject, sender, recipients, cc, body, filenames)
         SELECT id, subject, sender, recipients, cc, body, filenames
         FROM search_pending WHERE id <= ? ORDER BY id`,
      ),
      forget: db.prepare<[number]>('DELETE FROM search_pending WHERE id <= ?'),
    };
    this.#pendingChars = db
      .prepare<[], { total: number }>('SELECT coalesce(sum(chars), 0) AS total FROM search_pending')
      .get()!.total;
    // Rows left pending by the last run (or a crash) are indexed once the store is quiet.
    if (db.prepare('SELECT 1 FROM search_pending LIMIT 1').get()) this.#wait(0);
  }

  /** Mail with `chars` of search text was just committed to search_pending. */
  stored(chars: number): void {
    this.#pendingChars += chars;
    this.#sliceChars = SLICE_CHARS;
    this.#lastStored = performance.now();
    if (this.#timer || this.#immediate) return;
    if (this.#pendingChars > this.#budget) this.#next();
    else this.#wait(this.#quietMs);
  }

  /** Characters the next slice may take (for tests). */
  get sliceChars(): number {
    return this.#sliceChars;
  }

  /** Indexes one slice now; returns whether more is pending. */
  indexSlice(): boolean {
    const maxChars = this.#sliceChars;
    const maxRows = SLICE_ROWS * (maxChars / SLICE_CHARS);
    try {
      const indexed = this.#write(() => {
        const rows = this.#statements.sizes.all(maxRows);
        const { through, chars } = sliceOf(rows, maxChars);
        if (through > 0) {
          this.#statements.index.run(through);
          this.#statements.forget.run(through);
        }
        const all = rows.length < maxRows && through === (rows.at(-1)?.id ?? 0);
        return { chars, all, progress: through > 0 };
      });
      this.#sliceChars = Math.min(maxChars * 2, MAX_SLICE_CHARS);
      // Deleted pending rows make the count drift upward; an empty table resets it.
      this.#pendingChars = indexed.all ? 0 : Math.max(0, this.#pendingChars - indexed.chars);
      return !indexed.all && indexed.progress;
    } catch {
      // A full disk (or a locked file): the rows stay pending, still found by searches,
      // and the next stored message schedules another try.
      return false;
    }
  }

  /** Leaves what is pending for the next start. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
  }

  #wait(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#step();
    }, ms);
  }

  #next(): void {
    if (this.#closed) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#step();
    });
  }

  #step(): void {
    const quietFor = performance.now() - this.#lastStored;
    if (this.#pendingChars <= this.#budget && quietFor < this.#quietMs) {
      this.#wait(this.#quietMs - quietFor);
    } else if (this.indexSlice()) {
      this.#next();
    }
  }
}
