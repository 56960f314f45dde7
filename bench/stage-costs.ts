/**
 * CPU per message of each stage of the store thread's work, one stage at a time in this one
 * thread (the build in dist/): parse, the row's values, the insert and commit (group commit
 * of `--batch` messages), and the search indexing that follows once ingest is quiet.
 * process.cpuUsage counts V8's helper threads (concurrent GC) too.
 *
 *   npm run build && npx tsx bench/stage-costs.ts [--kb 2] [--messages 2000] [--batch 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type * as ParseModule from '../src/mail/parse.js';
import type { ParsedMessage } from '../src/mail/types.js';
import type * as InsertRowModule from '../src/store/insert-row.js';
import type * as SqliteStoreModule from '../src/store/sqlite-store.js';
import { buildUrl } from './lib/build.js';
import { sizedMessage } from './lib/generator.js';

const { values } = parseArgs({
  options: {
    kb: { type: 'string', default: '2' },
    messages: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '10' },
  },
});
const count = Number(values.messages);
const batch = Number(values.batch);
const { parseMessage } = (await import(buildUrl('dist/mail/parse.js'))) as typeof ParseModule;
const { toInsertRow } = (await import(
  buildUrl('dist/store/insert-row.js')
)) as typeof InsertRowModule;
const { SqliteStore } = (await import(
  buildUrl('dist/store/sqlite-store.js')
)) as typeof SqliteStoreModule;

const raws = Array.from({ length: count }, (_, i) =>
  Buffer.from(sizedMessage(i, Number(values.kb) * 1024).raw),
);
const envelope = { mailFrom: 'bench@bench.example', rcptTo: ['inbox@bench.example'] };
const client = { address: '127.0.0.1', helo: 'bench.example', authUser: null, tls: false };
const message = (i: number, parsed: ParsedMessage) => ({
  raw: [raws[i]!],
  parsed,
  envelope,
  client,
});

async function stage<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  const wall = (performance.now() - started) * 1000;
  console.log(
    `${values.kb} KB ${name.padEnd(24)} ${((used.user + used.system) / count).toFixed(0).padStart(6)} µs CPU ` +
      `${(wall / count).toFixed(0).padStart(6)} µs wall per message`,
  );
  return result;
}

// Warm up the parser's code first, so that the stage measures the steady state.
for (const raw of raws.slice(0, 200)) await parseMessage([raw]);
const parsed = await stage('parse', async () => {
  const all: ParsedMessage[] = [];
  for (const raw of raws) all.push(await parseMessage([raw]));
  return all;
});
await stage('row values', () => parsed.forEach((p, i) => toInsertRow(message(i, p))));
const dir = mkdtempSync(join(tmpdir(), 'sluice-stages-'));
const store = new SqliteStore({ path: join(dir, 'stages.db'), maxMessages: 0, maxAgeMs: 0 });
try {
  await stage(`add, batches of ${batch}`, async () => {
    for (let i = 0; i < count; i += batch) {
      const group = parsed.slice(i, i + batch);
      await Promise.all(group.map((p, j) => store.addMessage(message(i + j, p))));
    }
  });
  await stage('search indexing', () => store.indexPendingSearch());
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
