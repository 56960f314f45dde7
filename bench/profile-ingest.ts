/**
 * Where an ingest run's CPU goes, per thread and per message: starts Sluice (the build in
 * dist/) under `node --cpu-prof`, sends with smtp-source as the ingest suite does, stops it,
 * and prints each thread's busy time and top functions in µs per message.
 *
 *   npm run build && npx tsx bench/profile-ingest.ts [--scenario conn-2k|reuse-2k|conn-100k|reuse-100k]
 *     [--messages 5000] [--sessions 10] [--interval-us 250] [--keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSmtpSource } from './lib/load.js';
import { formatThreadProfile, sluiceThreadName, summarizeThreads } from './lib/profile.js';
import { sampleThreads } from './lib/proc-stats.js';
import { startSluice } from './lib/servers.js';

const SCENARIOS = {
  'conn-2k': { bytes: 2 * 1024, reuse: false },
  'reuse-2k': { bytes: 2 * 1024, reuse: true },
  'conn-100k': { bytes: 100 * 1024, reuse: false },
  'reuse-100k': { bytes: 100 * 1024, reuse: true },
} as const;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'conn-2k' },
    messages: { type: 'string', default: '5000' },
    sessions: { type: 'string', default: '10' },
    'interval-us': { type: 'string', default: '250' },
    top: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    /** CPU by thread only, without the profiler (whose own threads cost CPU too). */
    'no-profiler': { type: 'boolean', default: false },
  },
});
const scenario = SCENARIOS[values.scenario as keyof typeof SCENARIOS];
if (!scenario) throw new Error(`--scenario: one of ${Object.keys(SCENARIOS).join(', ')}`);
const messages = Number(values.messages);

const dir = mkdtempSync(join(tmpdir(), 'sluice-profile-'));
const server = await startSluice({
  db: join(dir, 'sluice.db'),
  ...(values['no-profiler']
    ? {}
    : { profileDir: dir, profileIntervalUs: Number(values['interval-us']) }),
});
const before = server.sample();
const threadsBefore = sampleThreads(server.pid);
const seconds = await runSmtpSource(server.smtpPort, {
  sessions: Number(values.sessions),
  messages,
  ...scenario,
});
const after = server.sample();
const threadsAfter = sampleThreads(server.pid);
const stored = await server.storedCount();
await server.stop();

const cpu = after.cpuSeconds - before.cpuSeconds;
console.log(
  `${values.scenario}: ${messages} messages in ${seconds.toFixed(2)} s ` +
    `(${(messages / seconds).toFixed(0)} msg/s under the profiler), stored ${stored}, ` +
    `server CPU ${cpu.toFixed(2)} s (${((cpu / messages) * 1e6).toFixed(0)} µs/msg), ` +
    `peak RSS ${(after.peakRssBytes / 2 ** 20).toFixed(0)} MB\n`,
);
// CPU, not wall time: the profiler samples a thread that waits for a core as busy.
const spent = [...threadsAfter]
  .map(([tid, seconds]) => ({ tid, seconds: seconds - (threadsBefore.get(tid) ?? 0) }))
  .filter((t) => t.seconds > 0.005)
  .sort((a, b) => b.seconds - a.seconds);
console.log(
  "CPU by thread (the main thread's id is the PID; the busiest other one is the writer):",
);
for (const { tid, seconds } of spent) {
  const name = tid === server.pid ? 'main' : `thread ${tid}`;
  console.log(
    `  ${name.padEnd(14)} ${seconds.toFixed(2)} s  ${((seconds / messages) * 1e6).toFixed(0)} µs/msg`,
  );
}
console.log();
for (const { thread, summary } of summarizeThreads(dir, Number(values.top))) {
  console.log(formatThreadProfile(sluiceThreadName(thread), summary, messages));
}
if (values.keep) console.log(`profiles kept in ${dir} (open them in Chrome DevTools)`);
else rmSync(dir, { recursive: true, force: true });
