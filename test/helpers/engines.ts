import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type EngineStore, type StoreOptions } from '../../src/store/open-store.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './postgres.js';

/**
 * The store engines every store test runs against (`describe.each(ENGINES)`): one contract,
 * SQLite and PostgreSQL. A PostgreSQL test skips, saying how to get PostgreSQL, when the
 * test run has no cluster (test/global-setup.ts).
 */
export interface Engine {
  readonly name: 'sqlite' | 'postgres';
  /** Why this engine's tests skip; null when they run. */
  readonly skip: string | null;
  /** A new, empty database. */
  create(): Promise<EngineDatabase>;
}

export type Limits = Pick<StoreOptions, 'maxMessages' | 'maxAgeMs' | 'maxDatabaseBytes'>;

/** One test's database, reopened as often as the test likes. */
export interface EngineDatabase {
  /** The --db value. */
  readonly db: string;
  /** A store on it, in this thread (as the store thread opens it). */
  open(limits?: Partial<Limits>): Promise<EngineStore>;
  /** Rows of a table matching `where` (SQL on the engine's own tables, for what only they show). */
  count(table: string, where?: string, params?: unknown[]): Promise<number>;
  /** Runs statements in the engine's own SQL as an operator would (a trigger a test adds). */
  exec(sql: string): Promise<void>;
  /** Removes it. */
  drop(): Promise<void>;
}

const NO_LIMITS: Limits = { maxMessages: 0, maxAgeMs: 0 };

/** A PostgreSQL store on `url` in this thread, without limits unless given. */
export function openPostgresStore(url: string, limits: Partial<Limits> = {}): Promise<EngineStore> {
  return openStore({ engine: 'postgres', url, tenant: null, ...NO_LIMITS, ...limits });
}

export const sqlite: Engine = {
  name: 'sqlite',
  skip: null,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-engine-'));
    const path = join(dir, 'sluice.db');
    return {
      db: path,
      open: (limits = {}) => openStore({ engine: 'sqlite', path, ...NO_LIMITS, ...limits }),
      async count(table, where = 'true', params = []) {
        const db = new Database(path, { readonly: true, fileMustExist: true });
        try {
          return (
            db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get(...params) as {
              n: number;
            }
          ).n;
        } finally {
          db.close();
        }
      },
      async exec(sql) {
        const db = new Database(path, { fileMustExist: true });
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgres: Engine = {
  name: 'postgres',
  get skip() {
    return postgresSkipReason();
  },
  async create() {
    const database: TestDatabase = await createTestDatabase();
    return {
      db: database.url,
      open: (limits = {}) => openPostgresStore(database.url, limits),
      count(table, where = 'true', params = []) {
        let n = 0;
        return database.count(
          table,
          where.replace(/\?/g, () => `$${++n}`),
          params,
        );
      },
      exec: async (sql) => void (await database.query(sql)),
      drop: () => database.drop(),
    };
  },
};

export const ENGINES: readonly Engine[] = [sqlite, postgres];
