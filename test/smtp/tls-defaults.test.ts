import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';
import { afterAll, describe, expect, it } from 'vitest';
import { RawSmtp } from '../helpers/smtp-client.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';

// What each listener offers by default, and the local CA behind the TLS ones: clients such
// as nodemailer, ruby-mail and Symfony Mailer upgrade whenever STARTTLS is offered and then
// verify, so the plain port must not offer it, and the TLS ports must verify once the CA is
// trusted.

const run = promisify(execFile);
const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tls-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function withSluice<T>(
  args: string[],
  dir: string,
  body: (sluice: TestSluice) => Promise<T>,
): Promise<T> {
  const sluice = await startSluice(args, { dataDir: dir });
  try {
    return await body(sluice);
  } finally {
    await sluice.close();
  }
}

async function ehlo(port: number): Promise<string> {
  const client = await RawSmtp.open(port);
  await client.reply();
  const reply = await client.command('EHLO tls.test');
  client.destroy();
  return reply.text;
}

/** The certificate an implicit-TLS port presents, verified against `ca` as a client would. */
function presented(
  port: number,
  ca: string | undefined,
  servername = 'localhost',
): Promise<{ authorized: boolean; error: string | null; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      resolve({
        authorized: socket.authorized,
        error: socket.authorizationError ? String(socket.authorizationError) : null,
        cert: socket.getPeerCertificate(),
      });
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

const files = (dir: string) => ({
  ca: join(dir, 'sluice-ca.crt'),
  caKey: join(dir, 'sluice-ca.key'),
  cert: join(dir, 'sluice-tls.crt'),
  key: join(dir, 'sluice-tls.key'),
});

describe('by default', () => {
  it('the plain port neither offers nor accepts STARTTLS; the STARTTLS port offers it', async () => {
    await withSluice([], dataDir(), async (sluice) => {
      expect(await ehlo(sluice.smtpPort)).not.toContain('STARTTLS');
      const client = await RawSmtp.open(sluice.smtpPort);
      await client.reply();
      await client.command('EHLO tls.test');
      expect((await client.command('STARTTLS')).code).toBeGreaterThanOrEqual(500);
      client.destroy();
      expect(await ehlo(sluice.starttlsPort!)).toContain('STARTTLS');
    });
  });

  it('serves a certificate for every local name, issued by the CA kept beside the database', async () => {
    const dir = dataDir();
    await withSluice([], dir, async (sluice) => {
      const ca = readFileSync(files(dir).ca, 'utf8');
      for (const servername of ['localhost', 'sluice']) {
        const tls = await presented(sluice.smtpsPort!, ca, servername);
        expect(tls, servername).toMatchObject({ authorized: true, error: null });
      }
      const untrusted = await presented(sluice.smtpsPort!, undefined);
      expect(untrusted.authorized).toBe(false);

      const leaf = new X509Certificate(readFileSync(files(dir).cert));
      for (const name of ['localhost', 'sluice', hostname().toLowerCase()]) {
        expect(leaf.checkHost(name), name).toBe(name);
      }
      expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(leaf.checkIP('::1')).toBe('::1');
      expect(leaf.checkIssued(new X509Certificate(ca))).toBe(true);
    });
  });

  it("passes OpenSSL's strict chain check (Python 3.13's default context uses it)", async () => {
    const dir = dataDir();
    await withSluice([], dir, async () => {
      const { stdout } = await run('openssl', [
        'verify',
        '-x509_strict',
        '-CAfile',
        files(dir).ca,
        files(dir).cert,
      ]);
      expect(stdout).toContain(': OK');
    });
  });

  it('keeps the private keys readable by their owner only', async () => {
    const dir = dataDir();
    await withSluice([], dir, async () => {
      expect(statSync(files(dir).caKey).mode & 0o777).toBe(0o600);
      expect(statSync(files(dir).key).mode & 0o777).toBe(0o600);
    });
  });
});

describe('across restarts', () => {
  it('reuses the CA and the certificate, so a client trusts the CA once', async () => {
    const dir = dataDir();
    await withSluice([], dir, async () => {});
    const first = { ca: readFileSync(files(dir).ca), cert: readFileSync(files(dir).cert) };
    await withSluice([], dir, async (sluice) => {
      expect(readFileSync(files(dir).ca)).toEqual(first.ca);
      expect(readFileSync(files(dir).cert)).toEqual(first.cert);
      const tls = await presented(sluice.smtpsPort!, first.ca.toString());
      expect(tls.authorized).toBe(true);
    });
  });

  it('issues a new certificate from the same CA when --hostname changes', async () => {
    const dir = dataDir();
    await withSluice([], dir, async () => {});
    const ca = readFileSync(files(dir).ca, 'utf8');
    await withSluice(['--hostname', 'mail.dev.test'], dir, async (sluice) => {
      expect(readFileSync(files(dir).ca, 'utf8')).toBe(ca);
      const tls = await presented(sluice.smtpsPort!, ca, 'mail.dev.test');
      expect(tls).toMatchObject({ authorized: true, error: null });
    });
  });

  it("replaces round 1's self-signed certificate with one the CA issued", async () => {
    const dir = dataDir();
    const old = await generate([{ name: 'commonName', value: 'sluice' }], { keyType: 'ec' });
    writeFileSync(files(dir).cert, old.cert);
    writeFileSync(files(dir).key, old.private);
    await withSluice([], dir, async (sluice) => {
      expect(readFileSync(files(dir).cert, 'utf8')).not.toBe(old.cert);
      const tls = await presented(sluice.smtpsPort!, readFileSync(files(dir).ca, 'utf8'));
      expect(tls.authorized).toBe(true);
    });
  });
});

describe('--smtp-tls-cert and --smtp-tls-key', () => {
  it('serve your certificate on every TLS port, offer STARTTLS on the plain one, and make no CA', async () => {
    const dir = dataDir();
    const own = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
    });
    const certFile = join(dir, 'own.crt');
    const keyFile = join(dir, 'own.key');
    writeFileSync(certFile, own.cert);
    writeFileSync(keyFile, own.private);
    const args = ['--smtp-tls-cert', certFile, '--smtp-tls-key', keyFile];
    await withSluice(args, dir, async (sluice) => {
      expect(await ehlo(sluice.smtpPort)).toContain('STARTTLS');
      const tls = await presented(sluice.smtpsPort!, undefined);
      expect(tls.cert.fingerprint256).toBe(new X509Certificate(own.cert).fingerprint256);
      const info = await sluice.getJson('/api/info');
      expect(info.tls).toMatchObject({ starttls: true, ca: null, certificate: certFile });
    });
    expect(() => statSync(files(dir).ca)).toThrow(/ENOENT/);
  });
});

describe('--smtp-starttls off and --smtps off', () => {
  it('leave only the plain listener', async () => {
    const args = ['--smtp-starttls', 'off', '--smtps', 'off'];
    await withSluice(args, dataDir(), async (sluice) => {
      expect(sluice.starttlsPort).toBeNull();
      expect(sluice.smtpsPort).toBeNull();
      const info = await sluice.getJson('/api/info');
      expect(info).toMatchObject({ starttls: null, smtps: null });
    });
  });
});
