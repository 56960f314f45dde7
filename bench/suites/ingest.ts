import type { BenchContext, Goal } from '../lib/context.js';
import { runNodemailerPool, runSmtpSource } from '../lib/load.js';
import { formatThreadProfile, sluiceThreadName, summarizeThreads } from '../lib/profile.js';
import { settledCount, startTarget, TARGET_NAMES, type Target } from '../lib/servers.js';
import { missing, toCell, type Figure } from '../lib/stats.js';

interface Scenario {
  readonly id: string;
  readonly label: string;
  readonly client: 'smtp-source' | 'nodemailer';
  readonly bytes: number;
  readonly reuse: boolean;
  readonly rateTarget?: Goal;
  readonly rssTarget?: Goal;
}

const KB = 1024;
const MB = 1024 * 1024;
const SESSIONS = 10;

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'conn-2k',
    label: 'smtp-source, new connection per message, 2 KB',
    client: 'smtp-source',
    bytes: 2 * KB,
    reuse: false,
    rateTarget: { op: '>=', value: 1500 },
  },
  {
    id: 'reuse-2k',
    label: 'smtp-source -d, reused connections, 2 KB',
    client: 'smtp-source',
    bytes: 2 * KB,
    reuse: true,
    rateTarget: { op: '>=', value: 3000 },
  },
  {
    id: 'conn-100k',
    label: 'smtp-source, new connection per message, 100 KB',
    client: 'smtp-source',
    bytes: 100 * KB,
    reuse: false,
    rateTarget: { op: '>=', value: 400 },
    rssTarget: { op: '<=', value: 150 },
  },
  {
    id: 'reuse-100k',
    label: 'smtp-source -d, reused connections, 100 KB',
    client: 'smtp-source',
    bytes: 100 * KB,
    reuse: true,
    rateTarget: { op: '>=', value: 400 },
    rssTarget: { op: '<=', value: 150 },
  },
  {
    id: 'pool-2k',
    label: 'nodemailer pool (10 connections), 2 KB',
    client: 'nodemailer',
    bytes: 2 * KB,
    reuse: true,
  },
];

/** Messages per run: the 5,000 in full mode; fewer in quick mode to fit 5 minutes. */
function messageCount(ctx: BenchContext, bytes: number): number {
  if (ctx.mode === 'full') return 5000;
  return bytes > 10 * KB ? 100 : 300;
}

interface RunResult {
  readonly rate: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly rssAfterMb: number;
  readonly stored: number | null;
}

async function runOnce(
  ctx: BenchContext,
  target: Target,
  scenario: Scenario,
  messages: number,
  profileDir?: string,
): Promise<RunResult> {
  const server = await startTarget(ctx, target, `${scenario.id}-${target}`, {
    ...(profileDir ? { profileDir } : {}),
  });
  try {
    const before = server.sample();
    const seconds =
      scenario.client === 'smtp-source'
        ? await runSmtpSource(server.smtpPort, {
            sessions: SESSIONS,
            messages,
            bytes: scenario.bytes,
            reuse: scenario.reuse,
          })
        : await runNodemailerPool(server.smtpPort, {
            connections: SESSIONS,
            messages,
            bytes: scenario.bytes,
          });
    const after = server.sample();
    const stored = await settledCount(server, messages);
    return {
      rate: messages / seconds,
      cpuSeconds: after.cpuSeconds - before.cpuSeconds,
      peakRssMb: after.peakRssBytes / MB,
      rssAfterMb: after.rssBytes / MB,
      stored,
    };
  } finally {
    await server.stop();
  }
}

/**
 * The servers of this suite: the peers, and smtp-server alone (storing nothing), whose
 * throughput in the same run is the ceiling Sluice's is set against (issue 12).
 */
function ingestTargets(ctx: BenchContext): Target[] {
  const targets: Target[] = [...ctx.peers.filter((t) => t !== 'sink'), 'bare'];
  return ctx.peers.includes('sink') ? [...targets, 'sink'] : targets;
}

/** Ingest throughput, server CPU and peak memory, per scenario and server. */
export async function runIngest(ctx: BenchContext): Promise<void> {
  const targets = ingestTargets(ctx);
  for (const scenario of SCENARIOS) {
    const messages = messageCount(ctx, scenario.bytes);
    const results = new Map<Target, RunResult[]>();
    for (let run = 1; run <= ctx.runs; run++) {
      // Servers take turns within a run, so that load from elsewhere on the machine
      // falls on all of them alike.
      for (const target of targets) {
        const result = await runOnce(ctx, target, scenario, messages);
        results.set(target, [...(results.get(target) ?? []), result]);
        ctx.log(
          `ingest ${scenario.id} run ${run}/${ctx.runs} ${TARGET_NAMES[target]}: ` +
            `${result.rate.toFixed(0)} msg/s, ${result.cpuSeconds.toFixed(1)} s CPU, ` +
            `peak ${result.peakRssMb.toFixed(0)} MB, stored ${result.stored ?? 'n/a'}/${messages}`,
        );
      }
    }
    addRows(ctx, targets, scenario, messages, results);
    if (ctx.profile) await profileScenario(ctx, scenario, messages);
  }
}

function addRows(
  ctx: BenchContext,
  targets: readonly Target[],
  scenario: Scenario,
  messages: number,
  results: Map<Target, RunResult[]>,
): void {
  const figure = (target: Target, pick: (r: RunResult) => number): Figure => {
    const runs = results.get(target);
    if (!runs) return missing('not run');
    const lost = runs.filter((r) => r.stored !== null && r.stored !== messages);
    const warning = lost.length
      ? `stored ${lost.map((r) => r.stored).join(', ')} of ${messages}`
      : undefined;
    return toCell(runs.map(pick), warning);
  };
  const values = (pick: (r: RunResult) => number) =>
    Object.fromEntries(targets.map((t) => [t, figure(t, pick)]));
  const group = `Ingest: ${scenario.label}, ${SESSIONS} sessions, ${messages.toLocaleString('en-US')} messages`;
  ctx.rows.push(
    {
      id: `ingest-${scenario.id}-rate`,
      group,
      figure: 'throughput',
      unit: 'msg/s',
      better: 'higher',
      values: values((r) => r.rate),
      ...(scenario.rateTarget ? { target: scenario.rateTarget } : {}),
    },
    {
      id: `ingest-${scenario.id}-cpu`,
      group,
      figure: 'server CPU',
      unit: 's',
      better: 'lower',
      values: values((r) => r.cpuSeconds),
    },
    {
      id: `ingest-${scenario.id}-peak-rss`,
      group,
      figure: 'server peak RSS',
      unit: 'MB',
      better: 'lower',
      values: values((r) => r.peakRssMb),
      ...(scenario.rssTarget && messages >= 5000 ? { target: scenario.rssTarget } : {}),
    },
    {
      id: `ingest-${scenario.id}-rss-after`,
      group,
      figure: 'server RSS after the run',
      unit: 'MB',
      better: 'lower',
      values: values((r) => r.rssAfterMb),
    },
  );
}

/** One more Sluice run under --cpu-prof, not counted in the figures: each thread's profile. */
async function profileScenario(ctx: BenchContext, scenario: Scenario, messages: number) {
  const dir = ctx.scratch(`profile-${scenario.id}`);
  const result = await runOnce(ctx, 'sluice', scenario, messages, dir);
  const title = `Sluice, ingest ${scenario.label}, ${messages} messages: ${result.rate.toFixed(0)} msg/s under the profiler`;
  for (const { thread, summary } of summarizeThreads(dir)) {
    ctx.profiles.push(
      formatThreadProfile(`${title}, ${sluiceThreadName(thread)}`, summary, messages),
    );
  }
}
