import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';

/** Created by test/global-setup.ts with pg_trgm in it; every test database is a copy. */
export const TEMPLATE_DATABASE = 'sluice_test_template';

export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Why the PostgreSQL tests skip, or null when a cluster is there (see test/global-setup.ts). */
export function postgresSkipReason(): string | null {
  const cluster = inject('postgres');
  return 'skip' in cluster ? cluster.skip : null;
}

/** Runs a statement as the cluster's superuser, outside any test database. */
export async function clusterQuery(text: string): Promise<void> {
  const cluster = inject('postgres');
  if ('skip' in cluster) throw new Error(cluster.skip);
  const admin = postgres(cluster.url, { max: 1, onnotice: false });
  try {
    await admin.unsafe(text);
  } finally {
    await admin.end();
  }
}

/** An empty database of its own on the test cluster; drop() removes it. */
export interface TestDatabase {
  readonly url: string;
  /** Reads it as an operator would, with a second connection, in a schema of the store's. */
  query<T>(text: string, params?: unknown[], schema?: string): Promise<T[]>;
  /** Rows of a table of the store's matching `where` ($1, $2... for `params`). */
  count(table: string, where?: string, params?: unknown[]): Promise<number>;
  drop(): Promise<void>;
}

/** `bare`: without the extensions the store needs, so that it must install them. */
export async function createTestDatabase(options: { bare?: boolean } = {}): Promise<TestDatabase> {
  const cluster = inject('postgres');
  if ('skip' in cluster) throw new Error(cluster.skip);
  const name = `sluice_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(cluster.url, { max: 1, onnotice: false });
  try {
    const template = options.bare ? 'template0' : TEMPLATE_DATABASE;
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(cluster.url, name);
  const reader = postgres(url, { max: 1, onnotice: false, types: { int8: int8AsNumber } });
  const query = <T>(text: string, params: unknown[] = [], schema = 'sluice') =>
    reader.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL search_path TO ${schema}`);
      return (await tx.unsafe(text, params as never[])) as unknown as T[];
    }) as Promise<T[]>;
  return {
    url,
    query,
    async count(table, where = 'true', params = []) {
      const [row] = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
        params,
      );
      return row!.n;
    },
    async drop() {
      await reader.end();
      const dropper = postgres(cluster.url, { max: 1, onnotice: false });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (value: number) => String(value),
  parse: (text: string) => Number(text),
};
