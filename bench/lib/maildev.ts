import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The peer we compare with; the reference figures are for MailDev 3. */
export const MAILDEV_VERSION = '3.0.0';

const PEER_DIR = fileURLToPath(new URL('../peers/maildev/', import.meta.url));
const PACKAGE_JSON = `${PEER_DIR}node_modules/maildev/package.json`;
const BIN = `${PEER_DIR}node_modules/maildev/dist/bin/maildev.js`;

let installing: Promise<string> | undefined;

/**
 * Installs MailDev into bench/peers/maildev (gitignored) unless that version is there already,
 * and returns the path of its CLI script.
 */
export function ensureMailDev(): Promise<string> {
  installing ??= install();
  return installing;
}

async function install(): Promise<string> {
  if (installedVersion() === MAILDEV_VERSION) return BIN;
  mkdirSync(PEER_DIR, { recursive: true });
  // mailparser releases newer than the one Sluice pins need a @zone-eu/mailsplit that the
  // registry mirror here does not serve; MailDev 3 works with Sluice's mailparser, so pin it.
  writeFileSync(
    `${PEER_DIR}package.json`,
    JSON.stringify(
      { name: 'sluice-bench-maildev', private: true, overrides: { mailparser: '3.9.31' } },
      null,
      2,
    ) + '\n',
  );
  process.stderr.write(`installing maildev@${MAILDEV_VERSION} into bench/peers/maildev ...\n`);
  await promisify(execFile)(
    'npm',
    [
      'install',
      '--prefix',
      PEER_DIR,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `maildev@${MAILDEV_VERSION}`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  if (installedVersion() !== MAILDEV_VERSION) {
    throw new Error(`npm install maildev@${MAILDEV_VERSION} did not leave it in ${PEER_DIR}`);
  }
  return BIN;
}

function installedVersion(): string | null {
  if (!existsSync(PACKAGE_JSON) || !existsSync(BIN)) return null;
  return (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
}
