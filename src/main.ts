#!/usr/bin/env node
import { createApp } from './app.js';
import { ConfigError, helpText, loadConfig } from './config/config.js';
import { VERSION } from './version.js';

/** The command line: the only module that touches process. */
async function main(): Promise<number> {
  let command;
  try {
    command = loadConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sluice: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (command.kind === 'help') {
    process.stdout.write(helpText(VERSION));
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }

  const { config } = command;
  let app;
  let addresses;
  try {
    app = createApp(config);
    addresses = await app.start();
  } catch (error) {
    await app?.close();
    const { code, message } = error as NodeJS.ErrnoException;
    const hint =
      code === 'EADDRINUSE'
        ? ' (the port is in use: choose another with --smtp/--http, or 0 for any free port)'
        : '';
    process.stderr.write(`sluice: cannot start: ${message}${hint}\n`);
    return 1;
  }

  const host = (address: { address: string }) =>
    address.address.includes(':') ? `[${address.address}]` : address.address;
  const lines = [
    `Sluice ${VERSION} is capturing mail.`,
    `  SMTP   ${host(addresses.smtp)}:${addresses.smtp.port}  (STARTTLS offered${config.tls.required ? ', required' : ''}; AUTH ${config.smtpAuth.mode})`,
    ...(addresses.smtps
      ? [`  SMTPS  ${host(addresses.smtps)}:${addresses.smtps.port}  (implicit TLS)`]
      : []),
    `  Inbox  http://${host(addresses.http)}:${addresses.http.port}/`,
    `  Data   ${config.db}`,
    '',
    `Point your app at it, e.g. Django: EMAIL_HOST=${addresses.smtp.address} EMAIL_PORT=${addresses.smtp.port}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));

  const running = app;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      running.logger.info(`${signal}: finishing messages in progress, then exiting`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await running.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sluice: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  },
);
