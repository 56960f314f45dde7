import { readFileSync } from 'node:fs';
import { loadOrCreateCa, loadOrIssueLeaf, serverNames, tlsFiles } from './local-ca.js';

export interface Certificate {
  readonly key: string;
  readonly cert: string;
  /** Where it came from, for the startup message. */
  readonly source: string;
  /** The local CA that issued it, for clients to trust; null for a certificate the user gave. */
  readonly ca: { readonly path: string | null; readonly pem: string } | null;
}

export interface CertificateOptions {
  readonly certFile: string | null;
  readonly keyFile: string | null;
  /** The database path; the local CA and its certificate are kept beside it. ':memory:' keeps them in memory. */
  readonly db: string;
  readonly hostname: string;
}

/**
 * The configured certificate, else one issued by Sluice's local CA (created on first start,
 * mkcert-style), so that a client which trusts that CA once verifies every later start.
 * smtp-server's built-in certificate (expired, with a public key) is never used.
 */
export async function loadCertificate(options: CertificateOptions): Promise<Certificate> {
  if (options.certFile && options.keyFile) {
    return {
      cert: readFileSync(options.certFile, 'utf8'),
      key: readFileSync(options.keyFile, 'utf8'),
      source: options.certFile,
      ca: null,
    };
  }
  const files = tlsFiles(options.db);
  const ca = await loadOrCreateCa(files);
  const leaf = await loadOrIssueLeaf(ca, serverNames(options.hostname), files);
  return {
    ...leaf,
    source: files ? files.cert : 'generated, in memory',
    ca: { path: files?.caCert ?? null, pem: ca.cert },
  };
}
