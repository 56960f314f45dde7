import { sliceOf } from '../search-indexer.js';
import type { Sql } from './connection.js';
import { BUCKET_IDS } from './search-plan.js';

export interface SearchIndexerOptions {
  readonly sql: Sql;
  readonly schema: string;
  /** How long the store must be quiet before indexing starts; default 100 ms. */
  readonly quietMs?: number;
}

/** Advisory lock class for indexing: one instance at a time moves a schema's pending text. */
const INDEX_LOCK = 0x51c3_0003;
/** Characters moved per slice; the index's own pending list is merged after each. */
const SLICE_CHARS = 1024 * 1024;
const SLICE_ROWS = 1000;
const QUIET_MS = 100;
/**
 * Pending text past which indexing takes turns with ingest. A search reads the pending text
 * of the buckets it walks with LIKE (~1 GB/s here); a burst of 1,000 messages of 100 KB
 * stays under it and is taken at full speed.
 */
const PENDING_BUDGET_CHARS = 128 * 1024 * 1024;
/** An idle instance looks for text another instance left pending this often. */
const IDLE_CHECK_MS = 30_000;

/**
 * Moves search text from search_pending into message_search (and its trigram index) in
 * slices, each its own transaction, when mail has stopped arriving for a moment or too much
 * text waits. With several instances, whichever takes the lock indexes; the others skip.
 * The counterpart of ../search-indexer.ts, for an asynchronous database.
 */
export class SearchIndexer {
  readonly #sql: Sql;
  readonly #schema: string;
  readonly #quietMs: number;
  #pendingChars = 0;
  #lastStored = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When #timer fires (performance.now() time). */
  #timerDue = 0;
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(options: SearchIndexerOptions) {
    this.#sql = options.sql;
    this.#schema = options.schema;
    this.#quietMs = options.quietMs ?? QUIET_MS;
    this.#wait(0);
  }

  /** Mail with `chars` of search text was committed to search_pending (here or elsewhere). */
  stored(chars: number): void {
    this.#pendingChars += chars;
    this.#lastStored = performance.now();
    if (this.#running) return;
    if (this.#pendingChars > PENDING_BUDGET_CHARS) this.#wait(0);
    // Not behind the idle check, which may be half a minute away.
    else if (!this.#timer || this.#timerDue > this.#lastStored + this.#quietMs)
      this.#wait(this.#quietMs);
  }

  /** Indexes everything pending now (bulk loads); resolves when none is left. */
  async indexAll(): Promise<void> {
    for (;;) {
      await this.#running;
      const state = await this.indexSlice();
      if (state === 'done') return;
      // 'busy': this store's own timer, or another instance, holds the lock for a slice.
      if (state === 'busy') await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Moves one slice: 'more' when text is still pending, 'done' when none is, 'busy' when
   * another instance holds the lock.
   */
  async indexSlice(): Promise<'more' | 'done' | 'busy'> {
    const result = await this.#sql.begin(async (tx) => {
      const [lock] = await tx<{ held: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${INDEX_LOCK}, hashtext(${this.#schema})) AS held`;
      if (!lock!.held) return { state: 'busy' as const, chars: 0 };
      const rows = await tx<{ id: number; chars: number }[]>`
        SELECT id, chars FROM search_pending ORDER BY id LIMIT ${SLICE_ROWS}`;
      const { through, chars } = sliceOf(rows, SLICE_CHARS);
      if (through === 0) return { state: 'done' as const, chars: 0 };
      // One statement: a row deleted meanwhile (its message was) is neither moved nor kept.
      await tx`
        WITH moved AS (DELETE FROM search_pending WHERE id <= ${through} RETURNING id, text)
        INSERT INTO message_search (id, bucket, text)
        SELECT id, id / ${BUCKET_IDS}, text FROM moved`;
      const all = rows.length < SLICE_ROWS && through === rows.at(-1)!.id;
      return { state: all ? ('done' as const) : ('more' as const), chars };
    });
    // The index's own pending list, merged in bulk, is then not read by every search.
    if (result.chars > 0)
      await this.#sql`SELECT gin_clean_pending_list('message_search_trigrams'::regclass)`;
    this.#pendingChars =
      result.state === 'done' ? 0 : Math.max(0, this.#pendingChars - result.chars);
    return result.state;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #wait(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timerDue = performance.now() + ms;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running ??= this.#run().finally(() => (this.#running = null));
    }, ms);
    this.#timer.unref();
  }

  /** Slices while the store is quiet (or over budget); then waits for the next message. */
  async #run(): Promise<void> {
    try {
      for (;;) {
        if (this.#closed) return;
        const quietFor = performance.now() - this.#lastStored;
        if (this.#pendingChars <= PENDING_BUDGET_CHARS && quietFor < this.#quietMs) {
          return this.#wait(this.#quietMs - quietFor);
        }
        const sliceStarted = performance.now();
        const state = await this.indexSlice();
        if (state === 'busy') return this.#wait(this.#quietMs * 10);
        // Mail committed during the slice called stored() while this ran: not the idle check.
        if (state === 'done')
          return this.#wait(this.#lastStored >= sliceStarted ? this.#quietMs : IDLE_CHECK_MS);
      }
    } catch {
      // The database went away or is full: the rows stay pending, still found by searches.
      this.#wait(IDLE_CHECK_MS);
    }
  }
}
