import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from 'selfsigned';

export interface Certificate {
  readonly key: string;
  readonly cert: string;
  /** Where it came from, for the startup message. */
  readonly source: string;
}

export interface CertificateOptions {
  readonly certFile: string | null;
  readonly keyFile: string | null;
  /** The database path; a generated certificate is kept beside it. ':memory:' keeps it in memory. */
  readonly db: string;
  readonly hostname: string;
}

/**
 * The configured certificate, else the one generated on an earlier start, else a new
 * self-signed one. smtp-server's built-in certificate (expired, with a public key) is never used.
 */
export async function loadCertificate(options: CertificateOptions): Promise<Certificate> {
  if (options.certFile && options.keyFile) {
    return {
      cert: readFileSync(options.certFile, 'utf8'),
      key: readFileSync(options.keyFile, 'utf8'),
      source: options.certFile,
    };
  }
  const keep = options.db === ':memory:' ? null : join(dirname(options.db), 'sluice-tls');
  if (keep) {
    try {
      return {
        cert: readFileSync(`${keep}.crt`, 'utf8'),
        key: readFileSync(`${keep}.key`, 'utf8'),
        source: `${keep}.crt`,
      };
    } catch {
      // none yet: generate below
    }
  }
  const names = [...new Set([options.hostname, 'localhost'])];
  const generated = await generate([{ name: 'commonName', value: options.hostname }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 10 * 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.map((value) => ({ type: 2 as const, value })),
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  if (keep) {
    // The database's folder exists for a SQLite file; a PostgreSQL --db may find none yet.
    mkdirSync(dirname(keep), { recursive: true });
    writeFileSync(`${keep}.key`, generated.private, { mode: 0o600 });
    writeFileSync(`${keep}.crt`, generated.cert);
  }
  return {
    cert: generated.cert,
    key: generated.private,
    source: keep ? `${keep}.crt (generated)` : 'generated, in memory',
  };
}
