import type { EngineStore } from '../../src/store/open-store.js';
import { buildUrl } from './build.js';

type OpenModule = typeof import('../../src/store/open-store.js');

/**
 * The built store for `db` (a SQLite file or a postgres:// URL, as --db takes it), with no
 * retention limits: the seeder writes through the store's own code, whichever engine.
 */
export async function openSeedStore(db: string): Promise<EngineStore> {
  const { openStore } = (await import(buildUrl('dist/store/open-store.js'))) as OpenModule;
  const limits = { maxMessages: 0, maxAgeMs: 0 };
  return /^postgres(ql)?:\/\//i.test(db)
    ? openStore({ engine: 'postgres', url: db, tenant: null, ...limits })
    : openStore({ engine: 'sqlite', path: db, ...limits });
}
