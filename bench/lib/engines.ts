import postgres from 'postgres';
import {
  findServerPrograms,
  HOW_TO_GET_POSTGRES,
  startCluster,
  type ThrowawayCluster,
} from '../../test/helpers/postgres-cluster.js';

/** The store engine Sluice runs on in the benchmark (`--db sqlite|postgres|postgres://...`). */
export interface BenchEngine {
  readonly name: 'sqlite' | 'postgres';
  /** A new empty database for one server: a file in `dir`, or a database on the cluster. */
  newDatabase(dir: string): Promise<string>;
  close(): Promise<void>;
}

export const sqliteEngine: BenchEngine = {
  name: 'sqlite',
  newDatabase: async (dir) => `${dir}/sluice.db`,
  close: async () => {},
};

/**
 * PostgreSQL: `given` is a server the benchmark may create databases on; without one, a
 * throwaway cluster (initdb in a temp folder, fsync on, default settings) that close() stops.
 */
export async function postgresEngine(given: string | null): Promise<BenchEngine> {
  let cluster: ThrowawayCluster | null = null;
  if (!given) {
    const bin = findServerPrograms();
    if (!bin) throw new Error(`--db postgres: ${HOW_TO_GET_POSTGRES}`);
    cluster = await startCluster(bin, { durable: true });
  }
  const url = given ?? cluster!.url;
  const admin = postgres(url, { max: 1, onnotice: false });
  const created: string[] = [];
  return {
    name: 'postgres',
    async newDatabase() {
      const name = `sluice_bench_${process.pid}_${created.length + 1}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      created.push(name);
      const database = new URL(url);
      database.pathname = `/${name}`;
      return database.toString();
    },
    async close() {
      // On a server of the operator's, the benchmark's databases go; a throwaway cluster goes whole.
      if (!cluster)
        for (const name of created)
          await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      cluster?.stop();
    },
  };
}
