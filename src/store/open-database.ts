import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { NewerDatabaseError, StorageFullError, StorageUnavailableError } from './errors.js';
import { MIGRATIONS } from './migrations/index.js';

export interface OpenOptions {
  /** File path or ':memory:'. */
  readonly path: string;
  /** Bytes the database may grow to; writes past it fail with StorageFullError. 0 = no limit. */
  readonly maxDatabaseBytes?: number;
  /** How long a write waits for another connection's lock; default 5 s. */
  readonly busyTimeoutMs?: number;
}

export interface OpenedDatabase {
  readonly db: Database.Database;
  /** The --max-db-size budget in pages; 0 = none. */
  readonly maxPageCount: number;
}

/** Opens (creating the folder and the file if needed) and migrates the store's database. */
export function openDatabase(options: OpenOptions): OpenedDatabase {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  // WAL with synchronous=NORMAL: a commit survives the process being killed (SIGKILL);
  // only a power cut can lose the last transactions, which is the right trade for a capture tool.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('temp_store = MEMORY');
  let maxPageCount = 0;
  if (options.maxDatabaseBytes) {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    maxPageCount = Math.max(1, Math.floor(options.maxDatabaseBytes / pageSize));
    db.pragma(`max_page_count = ${maxPageCount}`);
  }
  migrate(db, options.path);
  return { db, maxPageCount };
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (current > latest) {
    db.close();
    // Writing into a schema this version does not know could lose mail.
    throw new NewerDatabaseError(
      `${path} was written by a newer Sluice (schema ${current}; this one knows up to ${latest}): ` +
        'upgrade Sluice or choose another file with --db',
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

/** One write transaction; SQLite's failures become the store's own errors. */
export function writeTransaction<T>(db: Database.Database, work: () => T): T {
  try {
    return db.transaction(work).immediate();
  } catch (error) {
    throw translateError(error);
  }
}

function translateError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code.startsWith('SQLITE_FULL'))
    return new StorageFullError('the database disk is full', { cause: error });
  return new StorageUnavailableError(`the database refused the write (${code})`, { cause: error });
}
