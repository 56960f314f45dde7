import { NewerDatabaseError, StorageUnavailableError } from '../errors.js';
import type { Sql, TransactionSql } from './connection.js';
import { MIGRATIONS } from './migrations/index.js';

/** Advisory lock class for schema changes; the second key is the schema's hash. */
const MIGRATION_LOCK = 0x51c3_0001;

/**
 * Brings the schema to the latest version. Several instances may start at once: the first
 * takes the lock and migrates, the others wait for it and find nothing left to do.
 * `where` names the database in errors (the URL without its password).
 */
export async function migrate(sql: Sql, schema: string, where: string): Promise<void> {
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}, hashtext(${schema}))`;
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.unsafe(`SET LOCAL search_path TO ${schema}`);
    await tx`CREATE TABLE IF NOT EXISTS sluice_schema (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL)`;
    const [row] = await tx<{ version: number }[]>`SELECT version FROM sluice_schema`;
    const current = row?.version ?? 0;
    if (current > latest) {
      // Writing into a schema this version does not know could lose mail.
      throw new NewerDatabaseError(
        `schema ${schema} in ${where} was written by a newer Sluice (schema ${current}; this one knows up to ${latest}): ` +
          'upgrade Sluice or choose another database with --db or --tenant',
      );
    }
    if (current === latest) return;
    const trgm = await extensionSchema(tx, 'pg_trgm', where);
    // Its default operator classes are found by type, whatever the schema.
    await extensionSchema(tx, 'btree_gin', where);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await tx.unsafe(migration.sql.replaceAll('{{trgm}}', trgm));
    }
    await tx`INSERT INTO sluice_schema (version) VALUES (${latest})
      ON CONFLICT (singleton) DO UPDATE SET version = excluded.version`;
  });
}

/**
 * The schema an extension is installed in, installing it in public (pg_trgm and btree_gin
 * are trusted: the owner of the database may) when no schema has it yet. Installed once
 * per database, for every tenant.
 */
async function extensionSchema(
  tx: TransactionSql,
  extension: 'pg_trgm' | 'btree_gin',
  where: string,
): Promise<string> {
  const installed = async () =>
    (
      await tx<{ schema: string }[]>`
        SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = ${extension}`
    )[0]?.schema;
  const found = await installed();
  if (found) return quoteIdentifier(found);
  try {
    await tx.unsafe(`CREATE EXTENSION IF NOT EXISTS ${extension} SCHEMA public`);
  } catch (error) {
    throw new StorageUnavailableError(
      `Sluice needs the ${extension} extension in ${where} and could not install it (${(error as Error).message}): ` +
        `ask the database owner to run CREATE EXTENSION ${extension}`,
      { cause: error },
    );
  }
  return quoteIdentifier((await installed()) ?? 'public');
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
