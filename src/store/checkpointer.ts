import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';

export interface CheckpointerOptions {
  readonly db: Database.Database;
  /** The database file; its WAL is `${path}-wal`. */
  readonly path: string;
  /** How long the store must be quiet before a checkpoint; default 20 ms. */
  readonly quietMs?: number;
  /** WAL bytes past which a checkpoint runs even while mail keeps coming; default 64 MB. */
  readonly walBudgetBytes?: number;
}

const QUIET_MS = 20;
/** A checkpoint of this much takes ~50 ms here; one per 64 MB instead of one per 4 MB. */
const WAL_BUDGET_BYTES = 64 * 1024 * 1024;
/** What the WAL file is cut back to when it starts over (SQLite's default checkpoint size). */
const JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024;
/** The WAL's size is looked at no more often than this while writes go on. */
const MEASURE_EVERY_MS = 100;

/**
 * When the WAL is copied back into the database. SQLite does it in the commit that takes the
 * WAL past 1,000 pages (4 MB): at 100 KB a message that is every ~13 messages, and the
 * commit, and the 250 behind it, wait for the copy and an fsync (4 ms median, 30 ms at worst
 * on this machine's disk). Here it happens when the store has been quiet for a moment, or
 * past a much larger WAL, like the search index (search-indexer.ts). Commits stay as durable
 * (WAL, synchronous=NORMAL): a checkpoint only moves them into the main file.
 */
export class Checkpointer {
  readonly #db: Database.Database;
  readonly #wal: string;
  readonly #quietMs: number;
  readonly #budget: number;
  #timer: NodeJS.Timeout | undefined;
  #lastMeasured = 0;
  #closed = false;
  /** Checkpoints run so far (for tests). */
  count = 0;

  constructor(options: CheckpointerOptions) {
    this.#db = options.db;
    this.#wal = `${options.path}-wal`;
    this.#quietMs = options.quietMs ?? QUIET_MS;
    this.#budget = options.walBudgetBytes ?? WAL_BUDGET_BYTES;
    this.#db.pragma('wal_autocheckpoint = 0');
    // The WAL file is reused, not shrunk, when it starts over; this cuts it back then, so that
    // its size says how much waits to be checkpointed.
    this.#db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
  }

  /** A write transaction just committed. */
  wrote(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.checkpoint(), this.#quietMs);
    this.#timer.unref();
    const now = performance.now();
    if (now - this.#lastMeasured < MEASURE_EVERY_MS) return;
    this.#lastMeasured = now;
    if (walBytes(this.#wal) > this.#budget) this.checkpoint();
  }

  /**
   * Copies what it can without waiting for anyone (PASSIVE): readers and the next writes go
   * on; the WAL starts over at the next write once all of it is in the database.
   */
  checkpoint(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || !this.#db.open) return;
    try {
      this.#db.pragma('wal_checkpoint(PASSIVE)');
      this.count++;
    } catch {
      // A busy or full disk: the WAL keeps the commits, and the next quiet moment tries again.
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}

function walBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
