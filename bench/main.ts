/**
 * `npm run bench [-- --quick] [-- --runs N] [-- --only ingest,latency,large,http,relay,load]
 *   [-- --no-maildev] [-- --profile] [-- --keep] [-- --tiers 10000,100000]
 *   [-- --fresh-seed] [-- --db sqlite|postgres|postgres://URL]`
 *
 * Measures Sluice side by side with MailDev and Postfix's smtp-sink (the protocol ceiling),
 * prints markdown tables, and writes them with JSON to bench/results/.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { snapshotBuild } from './lib/build.js';
import { createContext, type BenchContext } from './lib/context.js';
import { postgresEngine, sqliteEngine, type BenchEngine } from './lib/engines.js';
import { machineFacts, type MachineFacts } from './lib/machine.js';
import { MAILDEV_VERSION } from './lib/maildev.js';
import { killTrackedChildren } from './lib/processes.js';
import { renderTables, summarizeTargets } from './lib/report.js';
import { postfixToolsMissing, type Target } from './lib/servers.js';
import { runHttpApi } from './suites/http-api.js';
import { runIngest } from './suites/ingest.js';
import { runLargeMessage } from './suites/large-message.js';
import { runLatency } from './suites/latency.js';
import { runRelay } from './suites/relay.js';

const SUITES: Record<string, (ctx: BenchContext) => Promise<void>> = {
  ingest: runIngest,
  latency: runLatency,
  large: runLargeMessage,
  http: runHttpApi,
  relay: runRelay,
  load: (ctx) => runLoad(ctx, ['load-listeners', 'load-smtp']),
  'load-listeners': (ctx) => runLoad(ctx, ['load-listeners']),
  'load-smtp': (ctx) => runLoad(ctx, ['load-smtp']),
};

/**
 * The `load` suite is written in two files by two people (listeners; SMTP). Each present
 * file's exported `run*` functions run, in this order.
 */
async function runLoad(ctx: BenchContext, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const file = new URL(`./suites/${name}.ts`, import.meta.url);
    if (!existsSync(file)) continue;
    const suite = (await import(file.href)) as Record<string, unknown>;
    for (const [exported, run] of Object.entries(suite))
      if (exported.startsWith('run') && typeof run === 'function') await run(ctx);
  }
}

const USAGE = [
  'npm run bench [-- options]',
  '  --only SUITES   comma-separated, from: ingest, latency, large, http, relay, load',
  '                  (load-listeners or load-smtp: one half of load)',
  '  --quick         fewer messages per run, to fit about 5 minutes',
  '  --runs N        runs per cell (default 3)',
  '  --no-maildev    leave MailDev out',
  '  --profile       profile Sluice under --cpu-prof',
  '  --keep          keep the work directory',
  '  --tiers N,N     mailbox sizes for the http suite',
  '  --fresh-seed    build the seeded mailboxes again',
  '  --db ENGINE     sqlite (default), postgres (a throwaway cluster) or a postgres:// URL',
].join('\n');

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const ENGINE_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const;

/** The command as given, for the report (a URL's password left out). */
function command(): string {
  const args = process.argv
    .slice(2)
    .map((a) => a.replace(/(postgres(ql)?:\/\/[^:@/]*:)[^@/]*@/i, '$1***@'));
  return ['npm run bench', ...(args.length ? ['--', ...args] : [])].join(' ');
}

/** `--db`: sqlite (default), postgres (a throwaway cluster) or a PostgreSQL server's URL. */
async function openEngine(db: string): Promise<BenchEngine> {
  if (db === 'sqlite') return sqliteEngine;
  if (db === 'postgres') return postgresEngine(null);
  if (/^postgres(ql)?:\/\//i.test(db)) return postgresEngine(db);
  throw new Error(`--db must be sqlite, postgres or a postgres:// URL, not "${db}"`);
}

function render(ctx: BenchContext, before: MachineFacts, after: MachineFacts, seconds: number) {
  const machine =
    `${before.cpu}, ${before.cores} cores, ${before.memoryGb} GB RAM; ${before.kernel}; ` +
    `Node ${process.versions.node}; MailDev ${MAILDEV_VERSION}; Postfix ${before.postfix}`;
  return [
    `# Sluice benchmark (${ctx.mode} mode, ${ctx.runs} runs per cell, ${ENGINE_NAMES[ctx.engine]} store)`,
    '',
    `- when: ${new Date().toISOString()}, commit ${before.commit}, took ${(seconds / 60).toFixed(1)} min`,
    `- machine: ${machine}`,
    `- load averages (1/5/15 min): ${before.load} at start, ${after.load} at the end`,
    `- command: \`${command()}\``,
    '- each cell: median of the runs (min–max); ratio: how many times better Sluice is than MailDev',
    '',
    summarizeTargets(ctx.rows),
    renderTables(ctx.rows, ctx.peers),
    ...(ctx.notes.length ? ['## Notes', '', ...ctx.notes.map((n) => `- ${n}`), ''] : []),
    ...(ctx.profiles.length ? ['## Profiles (Sluice under --cpu-prof)', '', ...ctx.profiles] : []),
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      'no-maildev': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      tiers: { type: 'string' },
      'fresh-seed': { type: 'boolean', default: false },
      db: { type: 'string', default: 'sqlite' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const missingTools = postfixToolsMissing();
  if (missingTools) {
    process.stderr.write(`${missingTools}\n`);
    return 1;
  }
  const suites = values.only ? values.only.split(',') : Object.keys(SUITES);
  const unknown = suites.filter((s) => !(s in SUITES));
  if (unknown.length) {
    process.stderr.write(
      `unknown suite ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}\n`,
    );
    return 2;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write('--runs must be a whole number of at least 1 (3 or more for the table)\n');
    return 2;
  }
  const peers: Target[] = values['no-maildev'] ? ['sluice', 'sink'] : ['sluice', 'maildev', 'sink'];
  const engine = await openEngine(values.db);
  const ctx = createContext({
    engine,
    mode: values.quick ? 'quick' : 'full',
    runs,
    peers,
    profile: values.profile,
    freshSeed: values['fresh-seed'],
    ...(values.tiers ? { tiers: values.tiers.split(',').map(Number) } : {}),
    resultsDir: RESULTS_DIR,
  });
  const interrupt = () => {
    killTrackedChildren();
    if (!values.keep) ctx.cleanup();
    void engine.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  snapshotBuild(ctx.workDir);
  const before = machineFacts();
  const started = Date.now();
  ctx.log(`${ctx.mode} mode, ${runs} runs per cell, work dir ${ctx.workDir}, load ${before.load}`);
  try {
    for (const suite of suites) await SUITES[suite]!(ctx);
  } finally {
    if (values.keep) ctx.log(`kept ${ctx.workDir}`);
    else ctx.cleanup();
    await engine.close();
  }
  const after = machineFacts();
  const markdown = render(ctx, before, after, (Date.now() - started) / 1000);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = `${RESULTS_DIR}${stamp}-${ctx.mode}${ctx.engine === 'sqlite' ? '' : `-${ctx.engine}`}`;
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        mode: ctx.mode,
        runs,
        before,
        after,
        rows: ctx.rows,
        notes: ctx.notes,
        profiles: ctx.profiles,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`${markdown}\nwritten: ${base}.md and .json\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    killTrackedChildren();
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
