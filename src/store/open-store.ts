import { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import type { Store } from './types.js';

/** The engine the configuration names, with its own options. */
export type StoreOptions =
  | ({ readonly engine: 'sqlite' } & SqliteStoreOptions)
  | ({ readonly engine: 'postgres' } & PostgresStoreOptions);

/** A store that can also bring its search index up to date at once (bulk loads). */
export interface EngineStore extends Store {
  indexPendingSearch(): Promise<void>;
}

/** Opens the engine: SQLite in this process, or a PostgreSQL database shared with other instances. */
export async function openStore(options: StoreOptions): Promise<EngineStore> {
  if (options.engine === 'postgres') return PostgresStore.open(options);
  return new SqliteStore(options);
}
