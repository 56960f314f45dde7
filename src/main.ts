#!/usr/bin/env node
import { hostname } from 'node:os';
import { createApp, type App } from './app.js';
import { banner } from './cli/banner.js';
import { ConfigError, helpText, loadConfig, type Config } from './config/config.js';
import { refuseOpenExposure } from './config/exposure.js';
import { containerServerArgv, probeReadiness, readinessUrl } from './healthcheck.js';
import { verifyUpstreams } from './relay/verify.js';
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

  // Before anything listens: a SIGTERM that comes as soon as the port answers (a
  // supervisor, a test) must stop Sluice cleanly, not kill it with Node's default.
  const stop = stopSignal();
  let app: App | undefined;
  let addresses;
  try {
    app = createApp(config, { sendmailCommand: sendmailCommand(process.execPath, process.argv) });
    addresses = await app.start();
  } catch (error) {
    await app?.close();
    stop.dispose();
    const { code, message } = error as NodeJS.ErrnoException;
    const hint =
      code === 'EADDRINUSE'
        ? ' (the port is in use: choose another with --smtp/--http, or 0 for any free port)'
        : '';
    process.stderr.write(`sluice: cannot start: ${message}${hint}\n`);
    return 1;
  }
  if (!stop.received)
    process.stdout.write(banner({ version: VERSION, config, addresses, hostname: hostname() }));
  const signal = await stop.signal;
  app.logger.info(`${signal}: finishing messages in progress, then exiting`);
  await app.close();
  stop.dispose();
  return 0;
}

/**
 * SIGINT and SIGTERM: the first asks for a clean stop; a second one during it (Ctrl-C
 * twice) exits at once. Mail that was not answered 250 yet is left to the client to send
 * again, as SMTP clients do.
 */
function stopSignal() {
  let resolve!: (signal: string) => void;
  const signal = new Promise<string>((done) => (resolve = done));
  const state = { received: false };
  const onSignal = (name: NodeJS.Signals) => {
    if (state.received) {
      process.stderr.write(`sluice: ${name} again: exiting without finishing\n`);
      process.exit(1);
    }
    state.received = true;
    resolve(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal,
    get received() {
      return state.received;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

const RELAY_VERIFY_HELP = `Usage: sluice relay verify [options]

Connects to each relay upstream, with its TLS mode and authentication, and sends nothing.
Prints one line per upstream, "ok" or "FAIL" with the upstream's reply.
Exit code: 0 when every upstream is ok, 1 when one fails, 2 for a bad configuration.

Upstreams come from the relay: section of --config FILE and from SLUICE_RELAY_URL.
The options of sluice --help are accepted too (and ignored, except --config).
`;

/** `sluice relay verify [options]`: connect and authenticate to each upstream, send nothing. */
async function relayCommand(argv: string[]): Promise<number> {
  if (argv[0] !== 'verify') {
    process.stderr.write('sluice: usage: sluice relay verify [--config FILE]\n');
    return 2;
  }
  const config = configOrExit(argv.slice(1), { help: RELAY_VERIFY_HELP });
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
function configOrExit(
  argv: string[],
  options: { serving?: boolean; help?: string } = {},
): Config | number {
  try {
    const command = loadConfig({ argv, env: process.env });
    if (command.kind === 'run') {
      if (options.serving) refuseOpenExposure(command.config);
      return command.config;
    }
    process.stdout.write(
      command.kind === 'help' ? (options.help ?? helpText(VERSION)) : `${VERSION}\n`,
    );
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
