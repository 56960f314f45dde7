import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trustSteps } from '../../src/cli/tls-command.js';
import { runSluice } from '../helpers/process.js';
import { startSluice } from '../helpers/sluice.js';

// `sluice tls ca` and `sluice tls trust`, run as the built CLI: where the local CA is (made
// before the first start if need be), its PEM, and how to trust it.

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tls-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('sluice tls ca', () => {
  it('prints the path of a CA made before the first start, which the server then uses', async () => {
    const dir = dataDir();
    const db = join(dir, 'sluice.db');
    const result = await runSluice(['tls', 'ca', '--db', db]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`${join(dir, 'sluice-ca.crt')}\n`);
    const ca = new X509Certificate(readFileSync(join(dir, 'sluice-ca.crt')));
    expect(ca.ca).toBe(true);

    const sluice = await startSluice([], { dataDir: dir });
    await sluice.close();
    const leaf = new X509Certificate(readFileSync(join(dir, 'sluice-tls.crt')));
    expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
  });

  it('--pem prints the certificate itself; SLUICE_DB names the database as for the server', async () => {
    const dir = dataDir();
    const result = await runSluice(['tls', 'ca', '--pem'], { SLUICE_DB: join(dir, 'sluice.db') });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(result.stdout).toBe(readFileSync(join(dir, 'sluice-ca.crt'), 'utf8'));
  });

  it('says why there is no CA to trust with --db :memory: or --smtp-tls-cert', async () => {
    const memory = await runSluice(['tls', 'ca', '--db', ':memory:']);
    expect(memory.code).toBe(1);
    expect(memory.stderr).toContain('in memory');
    const own = await runSluice(['tls', 'ca', '--smtp-tls-cert', 'a.pem', '--smtp-tls-key', 'k']);
    expect(own.code).toBe(1);
    expect(own.stderr).toContain('--smtp-tls-cert is set');
  });

  it('answers a wrong subcommand with its usage and exit code 2', async () => {
    const result = await runSluice(['tls', 'install']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: sluice tls ca');
  });
});

describe('sluice tls trust', () => {
  it("prints this system's commands with the CA's real path", async () => {
    const dir = dataDir();
    const result = await runSluice(['tls', 'trust', '--db', join(dir, 'sluice.db')]);
    expect(result.code).toBe(0);
    const ca = join(dir, 'sluice-ca.crt');
    expect(result.stdout).toContain(`NODE_EXTRA_CA_CERTS="${ca}"`);
    expect(result.stdout).toContain(`keytool -importcert -cacerts`);
    if (existsSync('/usr/local/share/ca-certificates')) {
      // Debian and Ubuntu (CI): the ca-certificates directory is there.
      expect(result.stdout).toContain(`sudo cp "${ca}" /usr/local/share/ca-certificates/`);
    }
  });

  it.each([
    ['darwin', 'security add-trusted-cert -d -r trustRoot'],
    ['win32', 'certutil -addstore -user Root'],
  ])('names the tool for %s', (os, command) => {
    expect(trustSteps('/data/sluice-ca.crt', os)).toContain(`${command}`);
    expect(trustSteps('/data/sluice-ca.crt', os)).toContain('"/data/sluice-ca.crt"');
  });
});
