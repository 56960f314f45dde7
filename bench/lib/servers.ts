import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './context.js';
import { buildPath, buildUrl } from './build.js';
import { ensureMailDev } from './maildev.js';
import { freePort, spawnServer, stopServer, waitForGreeting, type Spawned } from './processes.js';
import { sampleProcess, type ProcessSample } from './proc-stats.js';

export type Target = 'sluice' | 'maildev' | 'bare' | 'sink';
export const TARGETS: readonly Target[] = ['sluice', 'maildev', 'bare', 'sink'];
export const TARGET_NAMES: Record<Target, string> = {
  sluice: 'Sluice',
  maildev: 'MailDev',
  bare: 'smtp-server alone',
  sink: 'smtp-sink',
};

export interface Server {
  readonly target: Target;
  readonly pid: number;
  readonly smtpPort: number;
  /** Base URL of the HTTP API; null for smtp-sink. */
  readonly httpUrl: string | null;
  sample(): ProcessSample;
  /** Messages the server holds now; null for smtp-sink, which keeps nothing. */
  storedCount(): Promise<number | null>;
  stop(): Promise<void>;
}

export interface SluiceOptions {
  /** --db: a SQLite file (its folder also holds the generated TLS certificate) or a postgres:// URL. */
  readonly db: string;
  /** Sluice's data folder (XDG_DATA_HOME) for a PostgreSQL --db's generated certificate. */
  readonly dataDir?: string;
  readonly extraArgs?: readonly string[];
  /** When set, the server runs under `node --cpu-prof` and writes its profile here on exit. */
  readonly profileDir?: string;
  /** The profiler's sampling interval (node's default: 1,000 µs). */
  readonly profileIntervalUs?: number;
}

export async function startSluice(options: SluiceOptions): Promise<Server> {
  const interval = options.profileIntervalUs
    ? [`--cpu-prof-interval=${options.profileIntervalUs}`]
    : [];
  const nodeArgs = options.profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, ...interval]
    : [];
  const spawned = spawnServer(
    process.execPath,
    [
      ...nodeArgs,
      buildPath('dist/main.js'),
      ...['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', options.db],
      // The benchmark speaks plain SMTP; the TLS listeners would take fixed ports.
      ...['--smtp-starttls', 'off', '--smtps', 'off'],
      ...['--max-messages', '0', '--log-level', 'warn'],
      ...(options.extraArgs ?? []),
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...(options.dataDir ? { XDG_DATA_HOME: options.dataDir } : {}),
      },
    },
  );
  const { smtp, http } = await sluiceAddresses(spawned);
  const httpUrl = `http://127.0.0.1:${http}`;
  return {
    target: 'sluice',
    pid: spawned.child.pid!,
    smtpPort: smtp,
    httpUrl,
    sample: () => sampleProcess(spawned.child.pid!),
    storedCount: async () => {
      const info = (await (await fetch(`${httpUrl}/api/info`)).json()) as {
        messages: { total: number };
      };
      return info.messages.total;
    },
    stop: () => stopServer(spawned, 30_000),
  };
}

/** Sluice prints its addresses once it listens; port 0 means we must read them. */
async function sluiceAddresses(spawned: Spawned): Promise<{ smtp: number; http: number }> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const text = spawned.output();
    const smtp = /SMTP\s+\S+:(\d+)/.exec(text);
    const http = /Inbox\s+http:\/\/\S+:(\d+)\//.exec(text);
    if (smtp && http) return { smtp: Number(smtp[1]), http: Number(http[1]) };
    if (spawned.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stopServer(spawned);
  throw new Error(`Sluice did not start:\n${spawned.output()}`);
}

export async function startMailDev(dir: string): Promise<Server> {
  const bin = await ensureMailDev();
  const smtpPort = await freePort();
  const webPort = await freePort();
  // Run from its own folder: MailDev looks for config files in the working directory and up.
  const spawned = spawnServer(
    process.execPath,
    [
      bin,
      ...['--smtp', String(smtpPort), '--ip', '127.0.0.1'],
      ...['--web', String(webPort), '--web-ip', '127.0.0.1'],
    ],
    { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, TMPDIR: dir } },
  );
  await waitForGreeting(smtpPort, spawned);
  const httpUrl = `http://127.0.0.1:${webPort}`;
  return {
    target: 'maildev',
    pid: spawned.child.pid!,
    smtpPort,
    httpUrl,
    sample: () => sampleProcess(spawned.child.pid!),
    storedCount: async () => {
      const page = (await (await fetch(`${httpUrl}/api/email/summary?limit=1`)).json()) as {
        storeTotal: number;
      };
      return page.storeTotal;
    },
    stop: () => stopServer(spawned),
  };
}

export const SMTP_SOURCE = '/usr/sbin/smtp-source';
export const SMTP_SINK = '/usr/sbin/smtp-sink';

/** Why Postfix's tools cannot run here, or null when they can. */
export function postfixToolsMissing(): string | null {
  try {
    execFileSync('sh', ['-c', 'command -v smtp-source && command -v smtp-sink'], {
      env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
      stdio: 'ignore',
    });
    return null;
  } catch {
    return (
      'smtp-source/smtp-sink not found. Install Postfix without starting its daemon:\n' +
      '  echo "postfix postfix/main_mailer_type select No configuration" | sudo debconf-set-selections\n' +
      '  sudo apt-get install -y postfix'
    );
  }
}

export async function startSink(): Promise<Server> {
  const port = await freePort();
  // -u: smtp-sink refuses to run as root without a user to drop to. Backlog 256 so that
  // ten sessions opening a connection per message are never refused by the listen queue.
  const spawned = spawnServer(SMTP_SINK, [
    '-u',
    'nobody',
    '-h',
    'sink',
    `127.0.0.1:${port}`,
    '256',
  ]);
  await waitForGreeting(port, spawned);
  return storingNothing('sink', spawned, port);
}

const BARE_SMTP = fileURLToPath(new URL('./bare-smtp.js', import.meta.url));

/**
 * smtp-server alone, storing nothing (bare-smtp.js): Sluice's own server class from the build
 * under test with an onData that only reads the message. What Sluice's ingest could reach if
 * storing cost nothing; the targets are set against it.
 */
export async function startBare(): Promise<Server> {
  const spawned = spawnServer(process.execPath, [BARE_SMTP, buildUrl('dist/smtp/server.js')]);
  const deadline = Date.now() + 30_000;
  let port = 0;
  while (!port && Date.now() < deadline) {
    port = Number(/PORT (\d+)/.exec(spawned.output())?.[1] ?? 0);
    if (!port) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!port) {
    await stopServer(spawned);
    throw new Error(`smtp-server alone did not start:\n${spawned.output()}`);
  }
  return storingNothing('bare', spawned, port);
}

/** A server that keeps no mail (smtp-sink, smtp-server alone): nothing to count, no API. */
function storingNothing(target: 'sink' | 'bare', spawned: Spawned, port: number): Server {
  return {
    target,
    pid: spawned.child.pid!,
    smtpPort: port,
    httpUrl: null,
    sample: () => sampleProcess(spawned.child.pid!),
    storedCount: async () => null,
    stop: () => stopServer(spawned),
  };
}

/** A fresh server of that kind with an empty mailbox, in a scratch folder named `name`. */
export async function startTarget(
  ctx: BenchContext,
  target: Target,
  name: string,
  options: { profileDir?: string; extraArgs?: readonly string[] } = {},
): Promise<Server> {
  const dir = ctx.scratch(name);
  if (target === 'sluice') {
    return startSluice({ db: await ctx.newDatabase(dir), dataDir: dir, ...options });
  }
  if (target === 'maildev') return startMailDev(dir);
  if (target === 'bare') return startBare();
  return startSink();
}

/** Polls until the server holds `expected` messages or stops gaining; returns what it holds. */
export async function settledCount(server: Server, expected: number): Promise<number | null> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = await server.storedCount();
    if (count === null || count >= expected) return count;
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 10_000) {
      return count;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
