import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN, runSluice } from '../helpers/process.js';

// A database path that cannot be written stops startup with the --db setting, the path and
// the reason, instead of SQLite's bare "unable to open database file". Each case is made
// for real: a file where a directory should be, a read-only mount, and a directory owned
// by root that an unprivileged user (as in the Docker image) cannot write.

const root = mkdtempSync(join(tmpdir(), 'sluice-db-path-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LISTEN = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0'];

describe('--db that cannot be written', () => {
  it('a file where the directory should be', async () => {
    writeFileSync(join(root, 'data'), 'not a directory');
    const db = join(root, 'data', 'sluice.db');
    const result = await runSluice([...LISTEN, '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`--db (SLUICE_DB) ${db}: cannot create the directory`);
    expect(result.stderr).toContain('(EEXIST)');
    expect(result.stderr).not.toContain('unable to open database file');
  });

  it('a directory given as the database file', async () => {
    const db = join(root, 'a-directory');
    mkdirSync(db);
    const result = await runSluice([...LISTEN, '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`--db (SLUICE_DB) ${db}: cannot open it for writing`);
    expect(result.stderr).toContain('(EISDIR)');
  });

  it('a read-only file system (a volume mounted read-only)', async (context) => {
    const mount = join(root, 'ro');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mount], { stdio: 'pipe' });
    } catch (error) {
      console.log(`skipped: cannot mount a tmpfs here (${String(error).trim()})`);
      context.skip();
    }
    try {
      const db = join(mount, 'sluice.db');
      const result = await runSluice([...LISTEN, '--db', db]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`--db (SLUICE_DB) ${db}: cannot write in ${mount}`);
      expect(result.stderr).toContain('read-only (EROFS)');
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it("a root-owned directory that Sluice's user may not write (Docker's bind mount)", async (context) => {
    if (userInfo().uid !== 0) {
      console.log('skipped: needs root to run Sluice as another user');
      context.skip();
    }
    const data = join(root, 'owned-by-root');
    mkdirSync(data, { mode: 0o755 });
    const db = join(data, 'sluice.db');
    const nobody = 65534;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [MAIN, ...LISTEN, '--db', db], {
        uid: nobody,
        gid: nobody,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: tmpdir(),
          SLUICE_SMTPS: 'off',
          SLUICE_SMTP_STARTTLS: 'off',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`--db (SLUICE_DB) ${db}: cannot write in ${data}`);
    expect(result.stderr).toContain(
      `permission denied (EACCES): ${data} belongs to uid 0 (mode 755) and Sluice runs as uid ${nobody}`,
    );
  });
});
