import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions, type RunningAddresses } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { afterAll, beforeAll } from 'vitest';
import type { Engine, EngineDatabase } from './engines.js';

export interface TestSluice {
  readonly app: App;
  readonly config: Config;
  readonly addresses: RunningAddresses;
  readonly smtpPort: number;
  readonly starttlsPort: number | null;
  readonly smtpsPort: number | null;
  readonly baseUrl: string;
  readonly dataDir: string;
  /** fetch() against the HTTP API; JSON bodies are sent with the right content type. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** GET a JSON document; fails the test on a non-2xx answer. */
  getJson<T = any>(path: string): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The same Sluice, with these headers (a sign-in) on every api() and getJson(). */
  as(headers: Record<string, string>): TestSluice;
  close(): Promise<void>;
}

/**
 * A real Sluice on free ports with a real SQLite file in a temp dir, or on `database` (an
 * engine's test database, see engines.ts). `args` are command-line flags, exactly as a user
 * would pass them.
 */
export async function startSluice(
  args: string[] = [],
  options: { dataDir?: string; database?: EngineDatabase; app?: AppOptions } = {},
): Promise<TestSluice> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sluice-test-'));
  const command = loadConfig({
    argv: [
      '--smtp',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      // On by default at 1587 and 1465; free ports here so that tests can run side by side.
      '--smtp-starttls',
      '127.0.0.1:0',
      '--smtps',
      '127.0.0.1:0',
      '--db',
      options.database?.db ?? join(dataDir, 'sluice.db'),
      ...args,
    ],
    // The data directory holds a PostgreSQL instance's generated certificate.
    env: { XDG_DATA_HOME: dataDir },
  });
  if (command.kind !== 'run') throw new Error('expected a run command');
  const app = createApp(command.config, {
    logger: createLogger(process.env.SLUICE_TEST_LOG ? 'debug' : 'silent'),
    ...options.app,
  });
  const addresses = await app.start();
  const baseUrl = `http://127.0.0.1:${addresses.http.port}`;
  const close = async () => {
    await app.close();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const signedIn = (defaults: Record<string, string>): TestSluice => {
    const api = (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const { json, ...rest } = init;
      const headers = { ...defaults, ...(rest.headers as Record<string, string> | undefined) };
      if (json === undefined) return fetch(baseUrl + path, { ...rest, headers });
      return fetch(baseUrl + path, {
        method: 'POST',
        ...rest,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(json),
      });
    };
    return {
      app,
      config: command.config,
      addresses,
      smtpPort: addresses.smtp.port,
      starttlsPort: addresses.starttls?.port ?? null,
      smtpsPort: addresses.smtps?.port ?? null,
      baseUrl,
      dataDir,
      api,
      async getJson(path) {
        const response = await api(path);
        if (!response.ok)
          throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
        return response.json();
      },
      as: (headers) => signedIn({ ...defaults, ...headers }),
      close,
    };
  };
  return signedIn({});
}

/**
 * A Sluice on a new database of `engine` for the tests of one describe block (started before
 * them, removed after; nothing when the engine's tests skip). Read its fields inside a test.
 */
export function sluiceOnEngine(
  engine: Engine,
  args: string[] = [],
): { readonly sluice: TestSluice; readonly database: EngineDatabase } {
  const running = {} as { sluice: TestSluice; database: EngineDatabase };
  beforeAll(async () => {
    if (engine.skip) return;
    running.database = await engine.create();
    running.sluice = await startSluice(args, { database: running.database });
  });
  afterAll(async () => {
    await running.sluice?.close();
    await running.database?.drop();
  });
  return running;
}
