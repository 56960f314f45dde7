import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where Sluice keeps its local CA: beside the database, so a client can trust exactly that
 * CA instead of turning verification off.
 */
export function certificatePath(dataDir: string): string {
  return join(dataDir, 'sluice-ca.crt');
}

/** The PEM of the local CA, for a client's list of trusted CAs. */
export function readCertificate(dataDir: string): string {
  return readFileSync(certificatePath(dataDir), 'utf8');
}
