import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where Sluice keeps the self-signed certificate it generates: beside the database, so a
 * client can trust exactly that certificate instead of turning verification off.
 */
export function certificatePath(dataDir: string): string {
  return join(dataDir, 'sluice-tls.crt');
}

/** The PEM of the generated certificate, for a client's list of trusted CAs. */
export function readCertificate(dataDir: string): string {
  return readFileSync(certificatePath(dataDir), 'utf8');
}
