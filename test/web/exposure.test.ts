import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runSluice, spawnSluice, type SluiceProcess } from '../helpers/process.js';
import { createCertificate } from '../relay/upstream.js';

// What the built CLI does about exposure: it refuses to start an open relay that leaks
// mail, and warns about every other exposed listener; loopback stays silent and zero-setup.

const dir = mkdtempSync(join(tmpdir(), 'sluice-exposure-'));
const running: SluiceProcess[] = [];
afterEach(async () => {
  for (const proc of running.splice(0)) {
    if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
    await proc.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RELAY = { SLUICE_RELAY_URL: 'smtp://127.0.0.1:9?starttls=none' };
const base = (http: string) => ['--smtp', '127.0.0.1:0', '--http', http, '--db', ':memory:'];

async function start(args: string[], env: Record<string, string> = {}) {
  const proc = await spawnSluice(args, env);
  running.push(proc);
  return proc;
}

/** Warnings are logged as they are found at startup; give the log line a moment to arrive. */
const warnings = (proc: SluiceProcess) =>
  proc
    .stderr()
    .split('\n')
    .filter((line) => / warn /.test(line));

describe('refusing to start', () => {
  it('an exposed inbox with the relay on and no sign-in: exit 2, saying what to add', async () => {
    const result = await runSluice(base('0.0.0.0:0'), RELAY);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--http 0.0.0.0:0 can be reached from other machines and the relay is on',
    );
    for (const fix of [
      '--http-auth-file (SLUICE_HTTP_AUTH_FILE)',
      '--http-auth (SLUICE_HTTP_AUTH)',
      '--http-releasers (SLUICE_HTTP_RELEASERS)',
      '--http 127.0.0.1:0',
      '--http-insecure-no-auth (SLUICE_HTTP_INSECURE_NO_AUTH)',
    ])
      expect(result.stderr).toContain(fix);
    expect(result.stdout).toBe('');
  });

  it('starts with --http-insecure-no-auth, warning loudly', async () => {
    const proc = await start([...base('0.0.0.0:0'), '--http-insecure-no-auth'], RELAY);
    await expect
      .poll(() => warnings(proc).join('\n'))
      .toContain(
        'need no sign-in, and the relay is on: anyone who reaches the port can read every message and send mail through your upstream',
      );
  });

  it('starts with sign-in configured', async () => {
    const proc = await start([...base('0.0.0.0:0'), '--http-auth', 'alice:pw-1234'], RELAY);
    expect(proc.stdout()).toContain('; sign-in on)');
  });
});

describe('warnings', () => {
  it('an exposed inbox without the relay warns that anyone can read and delete mail', async () => {
    const proc = await start(base('0.0.0.0:0'));
    await expect.poll(() => warnings(proc).join('\n')).toContain('the inbox and API on 0.0.0.0:');
    expect(warnings(proc).join('\n')).toContain(
      'need no sign-in: anyone who reaches the port can read and delete every captured message',
    );
  });

  it('SMTP on every interface without --smtp-auth warns; with it, it does not', async () => {
    const open = await start(['--smtp', '0.0.0.0:0', '--http', '127.0.0.1:0', '--db', ':memory:']);
    await expect
      .poll(() => warnings(open).join('\n'))
      .toMatch(
        /SMTP on 0\.0\.0\.0:0 takes mail from anyone who reaches it, with any sender\. Add --smtp-auth/,
      );
    const closed = await start([
      '--smtp',
      '0.0.0.0:0',
      '--http',
      '127.0.0.1:0',
      '--db',
      ':memory:',
      '--smtp-auth',
      'app:app-pw',
    ]);
    expect(warnings(closed)).toEqual([]);
  });

  it('passwords over plain HTTP on an exposed address warn; HTTPS does not', async () => {
    const plain = await start([...base('0.0.0.0:0'), '--http-auth', 'alice:pw-1234']);
    await expect.poll(() => warnings(plain).join('\n')).toContain('in clear text');
    const certificate = await createCertificate();
    writeFileSync(join(dir, 'c.pem'), certificate.cert);
    writeFileSync(join(dir, 'k.pem'), certificate.key);
    const tls = await start([
      ...base('0.0.0.0:0'),
      '--http-auth',
      'alice:pw-1234',
      '--http-tls-cert',
      join(dir, 'c.pem'),
      '--http-tls-key',
      join(dir, 'k.pem'),
    ]);
    expect(tls.stdout()).toMatch(
      /Inbox {2}https:\/\/localhost:\d+\/ {2}\(all interfaces; sign-in on\)/,
    );
    expect(warnings(tls)).toEqual([]);
  });

  it('loopback with no sign-in stays as it was: no warning, no setup', async () => {
    const proc = await start(base('127.0.0.1:0'));
    expect(proc.stdout()).toContain('(sign-in off)');
    expect(warnings(proc)).toEqual([]);
  });
});
