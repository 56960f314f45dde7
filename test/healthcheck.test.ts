import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerServerArgv } from '../src/healthcheck.js';
import { runSluice, spawnSluice, type SluiceProcess } from './helpers/process.js';
import { createCertificate } from './relay/upstream.js';

// `sluice healthcheck` (the Docker image's HEALTHCHECK) reads its options exactly as the
// server does, so it finds the server on its port, base path and scheme, and exits 0 only
// when the server is ready.

const dir = mkdtempSync(join(tmpdir(), 'sluice-healthcheck-'));
let server: SluiceProcess;
let options: string[];

beforeAll(async () => {
  const certificate = await createCertificate();
  writeFileSync(join(dir, 'http.crt'), certificate.cert);
  writeFileSync(join(dir, 'http.key'), certificate.key);
  const tls = ['--http-tls-cert', join(dir, 'http.crt'), '--http-tls-key', join(dir, 'http.key')];
  server = await spawnSluice([
    '--smtp',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    '--http-base-path',
    '/mail/',
    '--db',
    join(dir, 'sluice.db'),
    ...tls,
  ]);
  options = ['--http', `127.0.0.1:${server.httpPort}`, '--http-base-path', '/mail/', ...tls];
});
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('sluice healthcheck', () => {
  it('exits 0 when the server its flags describe is ready', async () => {
    const result = await runSluice(['healthcheck', ...options]);
    expect(result.stdout).toBe(`ready: https://127.0.0.1:${server.httpPort}/mail/api/ready 200\n`);
    expect(result.code).toBe(0);
  });

  it('reads the environment the same way', async () => {
    const result = await runSluice(['healthcheck'], {
      SLUICE_HTTP: `127.0.0.1:${server.httpPort}`,
      SLUICE_HTTP_BASE_PATH: '/mail/',
      SLUICE_HTTP_TLS_CERT: join(dir, 'http.crt'),
      SLUICE_HTTP_TLS_KEY: join(dir, 'http.key'),
    });
    expect(result.code).toBe(0);
  });

  it('exits 1 with the reason while the database cannot be written', async () => {
    const other = new Database(join(dir, 'sluice.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      // The server reuses a readiness answer for a second; the lock shows on the next one.
      let stderr = '';
      await expect
        .poll(
          async () => {
            const result = await runSluice(['healthcheck', ...options]);
            stderr = result.stderr;
            return result.code;
          },
          { timeout: 20_000, interval: 200 },
        )
        .toBe(1);
      expect(stderr).toContain('503: the database cannot be written');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('exits 1 when the server is not where the options say, and 2 on a bad option', async () => {
    const wrongPath = await runSluice(['healthcheck', ...options.slice(0, 2)]);
    expect(wrongPath.code).toBe(1);
    expect(wrongPath.stderr).toMatch(/^not ready: http:\/\/127\.0\.0\.1:\d+\/api\/ready /);
    const bad = await runSluice(['healthcheck', '--http', 'nowhere']);
    expect(bad.code).toBe(2);
  });
});

describe('the server command line in a container', () => {
  it('is read from PID 1 when it runs Sluice, and only then', () => {
    const cmdline = (args: string[]) => {
      const file = join(dir, `cmdline-${Math.random()}`);
      writeFileSync(file, args.join('\0') + '\0');
      return containerServerArgv(file);
    };
    expect(cmdline(['node', '/app/dist/main.js', '--http', '0.0.0.0:9000'])).toEqual([
      '--http',
      '0.0.0.0:9000',
    ]);
    expect(cmdline(['node', 'dist/main.js'])).toEqual([]);
    expect(cmdline(['node', 'dist/main.js', 'relay', 'verify'])).toBeNull();
    expect(cmdline(['/bin/sh', '-c', 'sleep 1'])).toBeNull();
    expect(containerServerArgv(join(dir, 'no-such-file'))).toBeNull();
  });
});

describe('the Docker image', () => {
  it('checks readiness with this command, on a server whose command line it can read', () => {
    const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
    const healthcheck = /^HEALTHCHECK (?:.*\\\n)*.*CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(healthcheck!)).toEqual(['node', 'dist/main.js', 'healthcheck']);
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    // PID 1 runs dist/main.js, which containerServerArgv recognises.
    expect(JSON.parse(entrypoint!)).toEqual(['node', 'dist/main.js']);
  });
});
