import { existsSync } from 'node:fs';
import { platform } from 'node:os';
import { ConfigError, loadConfig } from '../config/config.js';
import { loadOrCreateCa, tlsFiles } from '../smtp/local-ca.js';
import type { ToolIo } from './tools.js';

const USAGE = `Usage: sluice tls ca [--pem] [options]   print the local CA certificate's path (or PEM), creating it if needed
       sluice tls trust [options]      print the commands that make this system trust it
Options are sluice's own (--db, --config, ...): the CA is kept beside the database.
`;

/** `sluice tls ca|trust`: where the local CA is, and how to trust it (mkcert-style). */
export async function runTlsCommand(argv: string[], io: ToolIo): Promise<number> {
  const [action, ...rest] = argv;
  const pem = rest.includes('--pem');
  if ((action !== 'ca' && action !== 'trust') || (pem && action !== 'ca')) {
    io.stderr.write(USAGE);
    return 2;
  }
  let command;
  try {
    command = loadConfig({ argv: rest.filter((arg) => arg !== '--pem'), env: io.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`sluice: ${error.message}\n`);
    return 2;
  }
  if (command.kind !== 'run') {
    io.stdout.write(USAGE);
    return 0;
  }
  const { config } = command;
  if (config.tls.certFile) {
    io.stderr.write(
      `sluice: --smtp-tls-cert is set: the listeners use ${config.tls.certFile}, not the local CA\n`,
    );
    return 1;
  }
  const files = tlsFiles(config.db);
  if (!files) {
    io.stderr.write('sluice: with --db :memory: the CA lives in memory for one run only\n');
    return 1;
  }
  const ca = await loadOrCreateCa(files);
  if (action === 'ca') io.stdout.write(pem ? ca.cert : `${files.caCert}\n`);
  else io.stdout.write(trustSteps(files.caCert));
  return 0;
}

/** The commands for this operating system, plus the runtimes that keep a trust store of their own. */
export function trustSteps(caFile: string, os: string = platform()): string {
  const q = `"${caFile}"`;
  const system: Record<string, string[]> = {
    darwin: [
      `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${q}`,
    ],
    win32: [`certutil -addstore -user Root ${q}`],
  };
  const linux = [
    [
      '/usr/local/share/ca-certificates',
      [
        `sudo cp ${q} /usr/local/share/ca-certificates/sluice-ca.crt`,
        'sudo update-ca-certificates',
      ],
    ],
    [
      '/etc/pki/ca-trust/source/anchors',
      [`sudo cp ${q} /etc/pki/ca-trust/source/anchors/sluice-ca.crt`, 'sudo update-ca-trust'],
    ],
    ['/etc/ca-certificates/trust-source/anchors', [`sudo trust anchor --store ${q}`]],
  ] as const;
  const found = linux.find(([dir]) => existsSync(dir));
  const steps =
    system[os] ??
    (found ? [...found[1]] : linux.flatMap(([, commands]) => ['', ...commands]).slice(1));
  return [
    `Sluice's local CA: ${caFile}`,
    '',
    'Trust it system-wide (Python, Ruby, PHP, Go, curl and swaks read this store):',
    ...steps.map((line) => (line ? `  ${line}` : '')),
    '',
    'Node.js reads its own list: start the app with',
    `  NODE_EXTRA_CA_CERTS=${q}`,
    'Java (Spring Boot) reads its own keystore:',
    `  sudo keytool -importcert -cacerts -storepass changeit -noprompt -alias sluice -file ${q}`,
    '',
  ].join('\n');
}
