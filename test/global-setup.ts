import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import {
  findServerPrograms,
  HOW_TO_GET_POSTGRES,
  startCluster,
  type ThrowawayCluster,
} from './helpers/postgres-cluster.js';
import { databaseUrl, TEMPLATE_DATABASE } from './helpers/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of a PostgreSQL cluster for the tests, or why there is none. */
    postgres: { readonly url: string } | { readonly skip: string };
  }
}

/**
 * Starts a throwaway PostgreSQL cluster once for the whole run when the server programs are
 * installed (or uses SLUICE_TEST_POSTGRES_URL), so the PostgreSQL side of the store tests
 * runs the same in CI and on a developer's machine; without one those tests skip, saying why.
 */
export default async function setup(project: TestProject) {
  const given = process.env.SLUICE_TEST_POSTGRES_URL;
  let cluster: ThrowawayCluster | null = null;
  let url = given ?? null;
  if (!url) {
    const bin = findServerPrograms();
    if (!bin) {
      const skip = `PostgreSQL tests skipped: ${HOW_TO_GET_POSTGRES}`;
      process.stderr.write(`\n${skip}\n\n`);
      project.provide('postgres', { skip });
      return;
    }
    cluster = await startCluster(bin, { durable: false });
    url = cluster.url;
  }
  await createTemplate(url);
  project.provide('postgres', { url });
  return () => cluster?.stop();
}

/** A template with the extensions the store needs, so that each test's database is a quick copy. */
async function createTemplate(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: false });
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await sql.unsafe(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    const template = postgres(databaseUrl(url, TEMPLATE_DATABASE), { max: 1, onnotice: false });
    await template`CREATE EXTENSION IF NOT EXISTS pg_trgm`;
    await template`CREATE EXTENSION IF NOT EXISTS btree_gin`;
    await template.end();
  } finally {
    await sql.end();
  }
}
