import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from './config.js';
import { findOption } from './options.js';

/**
 * Stops startup with the path and the reason when the database cannot be written, instead
 * of SQLite's bare "unable to open database file" (a Docker bind mount owned by root is the
 * usual cause). SQLite also creates -wal and -shm files beside the database, so the
 * directory itself must be writable: a file is created there and removed again.
 */
export function checkDatabasePath(db: string): void {
  if (db === ':memory:') return;
  const dir = dirname(db);
  const fail = (what: string, error: unknown): never => {
    const option = findOption('db')!;
    throw new ConfigError(
      `--db (${option.env}) ${db}: ${what}: ${explain(error as NodeJS.ErrnoException, dir)}`,
    );
  };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    fail(`cannot create the directory ${dir}`, error);
  }
  const probe = join(dir, `.sluice-write-test-${randomUUID()}`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
    unlinkSync(probe);
  } catch (error) {
    fail(`cannot write in ${dir}`, error);
  }
  try {
    closeSync(openSync(db, 'r+'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      fail('cannot open it for writing', error);
  }
}

function explain(error: NodeJS.ErrnoException, dir: string): string {
  switch (error.code) {
    case 'EACCES':
      return `permission denied (EACCES)${ownership(dir)}. Make it writable for that user or choose another --db.`;
    case 'EROFS':
      return 'the file system is read-only (EROFS), e.g. a volume mounted read-only. Mount it read-write or choose another --db.';
    case 'EPERM':
      return 'operation not permitted (EPERM), e.g. an immutable directory (chattr +i). Choose another --db.';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory (ENOTDIR). Choose another --db.';
    case 'EEXIST':
      return 'a part of the path exists and is not a directory (EEXIST). Choose another --db.';
    case 'EISDIR':
      return 'it is a directory (EISDIR); --db names the database file, e.g. /data/sluice.db.';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC).';
    default:
      return error.code ? `${error.message} (${error.code})` : String(error);
  }
}

/** "the directory belongs to uid 0 (mode 755) and Sluice runs as uid 1000", when it can tell. */
function ownership(dir: string): string {
  try {
    const stats = statSync(dir);
    const mode = (stats.mode & 0o777).toString(8);
    let me = '';
    try {
      me = ` and Sluice runs as uid ${userInfo().uid}`;
    } catch {
      // no passwd entry for this uid: the owner and mode still help
    }
    return `: ${dir} belongs to uid ${stats.uid} (mode ${mode})${me}`;
  } catch {
    return '';
  }
}
