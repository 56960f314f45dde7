import postgres from 'postgres';

/** int8 as a JS number: ids, counts and millisecond times all stay far below 2^53. */
const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (value: number) => String(value),
  parse: (text: string) => Number(text),
} satisfies postgres.PostgresType<number>;

export type Sql = postgres.Sql<{ int8: number }>;
export type TransactionSql = postgres.TransactionSql<{ int8: number }>;
/** A connection of the pool held by one caller, which sends BEGIN and COMMIT itself. */
export type ReservedSql = postgres.ReservedSql<{ int8: number }>;
/** Either: the queries that run alone or inside a transaction take this. */
export type Queryable = Sql | TransactionSql | ReservedSql;

/** A tenant's name as Mailpit's --tenant-id treats it: other characters than these become _. */
const TENANT_UNSAFE = /[^a-z0-9_]/g;
/** Channel names are identifiers: 63 bytes, "sluice_" and the schema's own name included. */
export const MAX_TENANT_LENGTH = 48;

/** The schema a tenant's tables live in: `sluice`, or `sluice_<tenant>`. */
export function schemaFor(tenant: string | null): string {
  if (tenant === null || tenant === '') return 'sluice';
  return `sluice_${tenant.toLowerCase().replace(TENANT_UNSAFE, '_')}`;
}

export interface ConnectOptions {
  readonly url: string;
  readonly schema: string;
  /** Connections in the pool (the LISTEN connection comes on top). */
  readonly max: number;
}

/** A pool whose every connection works in the tenant's schema. */
export function connect(options: ConnectOptions): Sql {
  return postgres(options.url, {
    max: options.max,
    types: { int8: int8AsNumber },
    // A commit is acknowledged once PostgreSQL has it, before its log is flushed to disk:
    // a killed Sluice loses nothing, a crash of the database server can lose the last
    // fraction of a second (as SQLite's synchronous=NORMAL trades a power cut). The URL
    // can ask for more: ?synchronous_commit=on (its parameters override these).
    connection: {
      application_name: 'sluice',
      search_path: options.schema,
      synchronous_commit: 'off',
      // A search is many small queries (one per bucket, see message-queries.ts): starting
      // parallel workers for one costs more than its work, and doubled its time here.
      max_parallel_workers_per_gather: '0',
    },
    onnotice: false,
    // A store that is not closed (a crash in a test) must not keep the process alive.
    unref_sockets: true,
    connect_timeout: 10,
  });
}

/** The URL without its password, for messages and the startup banner. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
