import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** Where Debian (and most distributions) put PostgreSQL's server programs. */
const SERVER_DIRS = '/usr/lib/postgresql';

export const HOW_TO_GET_POSTGRES =
  'install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) ' +
  'so that the tests start a throwaway cluster, or set SLUICE_TEST_POSTGRES_URL=postgres://user@host/db ' +
  'to a database whose owner may create databases';

/** A PostgreSQL cluster of its own in a temporary folder, on a free loopback port. */
export interface ThrowawayCluster {
  /** A superuser's URL of the cluster's `postgres` database. */
  readonly url: string;
  stop(): void;
}

export interface ClusterOptions {
  /** Test speed over durability: no fsync (a killed Sluice still loses nothing; the OS has it). */
  readonly durable: boolean;
  readonly maxConnections?: number;
}

/** The folder with initdb and pg_ctl, or null when PostgreSQL is not installed here. */
export function findServerPrograms(): string | null {
  const onPath = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const fromConfig = onPath.status === 0 ? onPath.stdout.trim() : '';
  if (fromConfig && existsSync(join(fromConfig, 'initdb'))) return fromConfig;
  if (!existsSync(SERVER_DIRS)) return null;
  const versions = readdirSync(SERVER_DIRS)
    .filter((v) => existsSync(join(SERVER_DIRS, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(SERVER_DIRS, versions[0], 'bin') : null;
}

/**
 * initdb in a temporary folder and a server on a free port; stop() ends it and removes the
 * folder. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user
 * (which Debian's package creates). UTF-8 with a UTF-8 ctype: trigrams of non-ASCII text.
 */
export async function startCluster(
  bin: string,
  options: ClusterOptions,
): Promise<ThrowawayCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  const asRoot = userInfo().uid === 0;
  const run = (program: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, program);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
    return execFileSync(command, argv, { stdio: 'pipe', encoding: 'utf8' });
  };
  if (asRoot) chownSync(dir, postgresUid(), postgresUid());
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', [
    '-D',
    data,
    '-U',
    'sluice',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '-A',
    'trust',
    '--no-sync',
  ]);
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    `-c max_connections=${options.maxConnections ?? 300}`,
    ...(options.durable
      ? []
      : ['-c fsync=off', '-c full_page_writes=off', '-c synchronous_commit=off']),
  ].join(' ');
  run('pg_ctl', [
    '-D',
    data,
    '-o',
    settings,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '60',
    'start',
  ]);
  return {
    url: `postgres://sluice@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function postgresUid(): number {
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0)
    throw new Error('running as root needs a `postgres` user to run PostgreSQL as');
  return Number(id.stdout.trim());
}
