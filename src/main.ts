#!/usr/bin/env node
import { createApp } from './app.js';
import {
  ConfigError,
  describeDatabase,
  helpText,
  loadConfig,
  type Config,
} from './config/config.js';
import { refuseOpenExposure } from './config/exposure.js';
import { containerServerArgv, probeReadiness, readinessUrl } from './healthcheck.js';
import { verifyUpstreams } from './relay/verify.js';
import { smtpBannerLines } from './cli/banner.js';
import { isTool, runTool, sendmailCommand } from './cli/tools.js';
import { VERSION } from './version.js';

/** The command line: the only module that touches process. */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'relay') return relayCommand(argv.slice(1));
  if (argv[0] === 'healthcheck') return healthcheckCommand(argv.slice(1));
  if (isTool(argv[0]))
    return runTool(argv, {
      env: process.env,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  const config = configOrExit(argv, { serving: true });
  if (typeof config === 'number') return config;

  let app;
  let addresses;
  try {
    app = createApp(config, { sendmailCommand: sendmailCommand(process.execPath, process.argv) });
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
    ...smtpBannerLines(config, addresses, host),
    `  Inbox  ${config.web.tls ? 'https' : 'http'}://${host(addresses.http)}:${addresses.http.port}${config.web.basePath}  (sign-in ${config.web.auth.mode})`,
    `  Data   ${describeDatabase(config)}`,
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

/** `sluice relay verify [options]`: connect and authenticate to each upstream, send nothing. */
async function relayCommand(argv: string[]): Promise<number> {
  if (argv[0] !== 'verify') {
    process.stderr.write('sluice: usage: sluice relay verify [--config FILE]\n');
    return 2;
  }
  const config = configOrExit(argv.slice(1));
  if (typeof config === 'number') return config;
  const { relay } = config;
  if (relay.mode === 'off') {
    process.stderr.write(
      'sluice: the relay is off: add a relay: section to --config or set SLUICE_RELAY_URL\n',
    );
    return 1;
  }
  const results = await verifyUpstreams(relay.upstreams);
  for (const [i, result] of results.entries()) {
    const upstream = relay.upstreams[i]!;
    process.stdout.write(
      `${result.ok ? 'ok  ' : 'FAIL'} ${upstream.name} ${upstream.host}:${upstream.port}: ${result.reply}\n`,
    );
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

/**
 * `sluice healthcheck [options]`: exit 0 when the server these options describe is ready
 * (Docker's HEALTHCHECK). Options come from env, the config file and the flags given here,
 * exactly as the server reads them; with no flags, from the command line of the server in
 * this container (PID 1), so that `docker run sluice --http …` is checked where it listens.
 */
async function healthcheckCommand(argv: string[]): Promise<number> {
  const config = configOrExit(argv.length > 0 ? argv : (containerServerArgv() ?? []));
  if (typeof config === 'number') return config;
  const url = readinessUrl(config);
  const result = await probeReadiness(url);
  (result.ready ? process.stdout : process.stderr).write(
    `${result.ready ? 'ready' : 'not ready'}: ${url.href} ${result.detail}\n`,
  );
  return result.ready ? 0 : 1;
}

/**
 * The configuration from argv, env and the config file, or the exit code after saying why
 * not. To serve, it must also not be an open relay (relay verify and healthcheck serve nothing).
 */
function configOrExit(argv: string[], options: { serving?: boolean } = {}): Config | number {
  try {
    const command = loadConfig({ argv, env: process.env });
    if (command.kind === 'run') {
      if (options.serving) refuseOpenExposure(command.config);
      return command.config;
    }
    process.stdout.write(command.kind === 'help' ? helpText(VERSION) : `${VERSION}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sluice: ${error.message}\n`);
    return 2;
  }
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
