import { X509Certificate as NodeX509, randomUUID, webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname as osHostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  type JsonGeneralName,
} from '@peculiar/x509';

/** A certificate and its private key, both PEM. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** Where the local CA and the certificate it issues for the listeners are kept. */
export interface TlsFiles {
  readonly caCert: string;
  readonly caKey: string;
  readonly cert: string;
  readonly key: string;
}

const DAY_MS = 86_400_000;
/** Ten years: trusting the CA is a manual step that should not come back soon. */
const CA_LIFETIME_MS = 3650 * DAY_MS;
/** Apple's platforms refuse TLS server certificates valid for more than 825 days. */
const LEAF_LIFETIME_MS = 825 * DAY_MS;
/** A certificate this close to its end is replaced at start, before a client sees it expire. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** Node's WebCrypto, passed to each call rather than set as the library's global provider. */
const CRYPTO = webcrypto as unknown as NonNullable<
  Parameters<typeof X509CertificateGenerator.create>[1]
>;

/** The files beside the database; none for ':memory:', which keeps its certificates in memory. */
export function tlsFiles(db: string): TlsFiles | null {
  if (db === ':memory:') return null;
  const dir = dirname(db);
  return {
    caCert: join(dir, 'sluice-ca.crt'),
    caKey: join(dir, 'sluice-ca.key'),
    cert: join(dir, 'sluice-tls.crt'),
    key: join(dir, 'sluice-tls.key'),
  };
}

/** The names a client on this machine may connect with; the certificate covers each. */
export function serverNames(hostname: string): { dns: string[]; ips: string[] } {
  const machine = osHostname();
  const dns = ['localhost', hostname, ...(/^[A-Za-z0-9.-]+$/.test(machine) ? [machine] : [])];
  return { dns: [...new Set(dns.map((name) => name.toLowerCase()))], ips: ['127.0.0.1', '::1'] };
}

/** The CA kept in `files`, or a new one written there (mkcert-style: one per data directory). */
export async function loadOrCreateCa(files: TlsFiles | null): Promise<PemPair> {
  const existing = files && readPair(files.caCert, files.caKey);
  if (existing && isUsableCa(existing.cert)) return existing;
  const ca = await createCa();
  if (files) writePair(files.caCert, files.caKey, ca);
  return ca;
}

/**
 * The listeners' certificate: the one kept in `files` while it is issued by `ca`, covers
 * `names` and is not about to expire; otherwise a new one, issued by `ca` and written there.
 */
export async function loadOrIssueLeaf(
  ca: PemPair,
  names: { dns: string[]; ips: string[] },
  files: TlsFiles | null,
): Promise<PemPair> {
  const existing = files && readPair(files.cert, files.key);
  if (existing && isUsableLeaf(existing.cert, ca.cert, names)) return existing;
  const leaf = await issueLeaf(ca, names);
  if (files) writePair(files.cert, files.key, leaf);
  return leaf;
}

async function createCa(): Promise<PemPair> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const name = `CN=Sluice local CA, O=Sluice, OU=${owner()}`;
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + CA_LIFETIME_MS),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, CRYPTO),
      ],
    },
    CRYPTO,
  );
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

async function issueLeaf(ca: PemPair, names: { dns: string[]; ips: string[] }): Promise<PemPair> {
  const caCert = new X509Certificate(ca.cert);
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    PemConverter.decodeFirst(ca.key),
    EC,
    false,
    ['sign'],
  );
  const altNames: JsonGeneralName[] = [
    ...names.dns.map((value) => ({ type: 'dns' as const, value })),
    ...names.ips.map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: `CN=${names.dns[0]}, O=Sluice`,
      issuer: caCert.subjectName,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Math.min(Date.now() + LEAF_LIFETIME_MS, caCert.notAfter.getTime())),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension(altNames),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, CRYPTO),
        // Python 3.13's default context (VERIFY_X509_STRICT) refuses a leaf without it.
        await AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, CRYPTO),
      ],
    },
    CRYPTO,
  );
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

function isUsableCa(pem: string): boolean {
  const cert = parse(pem);
  return cert !== null && cert.ca && Date.parse(cert.validTo) > Date.now() + RENEW_BEFORE_MS;
}

function isUsableLeaf(
  pem: string,
  caPem: string,
  names: { dns: string[]; ips: string[] },
): boolean {
  const cert = parse(pem);
  const ca = parse(caPem);
  return (
    cert !== null &&
    ca !== null &&
    cert.checkIssued(ca) &&
    cert.verify(ca.publicKey) &&
    Date.parse(cert.validTo) > Date.now() + RENEW_BEFORE_MS &&
    names.dns.every((name) => cert.checkHost(name, { wildcards: false }) === name) &&
    names.ips.every((ip) => cert.checkIP(ip) !== undefined)
  );
}

function parse(pem: string): NodeX509 | null {
  try {
    return new NodeX509(pem);
  } catch {
    return null;
  }
}

function readPair(certFile: string, keyFile: string): PemPair | null {
  try {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } catch {
    return null;
  }
}

/** Key first, each through a rename, so that a reader never sees half a file or a mismatched pair. */
function writePair(certFile: string, keyFile: string, pair: PemPair): void {
  mkdirSync(dirname(certFile), { recursive: true });
  for (const [file, text, mode] of [
    [keyFile, pair.key, 0o600],
    [certFile, pair.cert, 0o644],
  ] as const) {
    const temporary = `${file}.${randomUUID()}.tmp`;
    writeFileSync(temporary, text, { mode });
    renameSync(temporary, file);
  }
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

/** Positive, 16 random bytes (RFC 5280 4.1.2.2). */
function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** Who made the CA, as mkcert does, so it can be told apart in a trust store. */
function owner(): string {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container running as a bare uid)
  }
  return `${user}@${osHostname()}`.replace(/[,+="\\<>;#]/g, '_');
}
