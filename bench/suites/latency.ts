import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchContext, Goal } from '../lib/context.js';
import { settledCount, startTarget, TARGET_NAMES, type Target } from '../lib/servers.js';
import { percentile, toCell, type Figure } from '../lib/stats.js';

const SCRIPT = fileURLToPath(new URL('../latency.py', import.meta.url));
const BODY_BYTES = 2048;

interface LatencySamples {
  readonly greeting_raw_ms: number[];
  readonly greeting_smtplib_ms: number[];
  readonly data_ack_ms: number[];
}

/**
 * Samples per run. MailDev holds every connection 100 ms before greeting, so it gets fewer
 * samples to keep the run short; its percentiles are still from a fresh connection each.
 */
function sampleCount(ctx: BenchContext, target: Target): number {
  if (ctx.mode === 'full') return target === 'maildev' ? 300 : 1000;
  return target === 'maildev' ? 30 : 150;
}

const SERIES: readonly {
  key: keyof LatencySamples;
  label: string;
  target?: Goal;
}[] = [
  {
    key: 'greeting_raw_ms',
    label: 'connect → 220 greeting (raw socket)',
    target: { op: '<=', value: 1 },
  },
  { key: 'greeting_smtplib_ms', label: 'connect → 220 greeting (smtplib.SMTP())' },
  { key: 'data_ack_ms', label: 'end of DATA → 250 (2 KB message)' },
];

/** Latency with Python's smtplib, one fresh connection per message, as Django sends mail. */
export async function runLatency(ctx: BenchContext): Promise<void> {
  const samples = new Map<Target, LatencySamples[]>();
  for (let run = 1; run <= ctx.runs; run++) {
    for (const target of ctx.peers) {
      const count = sampleCount(ctx, target);
      const server = await startTarget(ctx, target, `latency-${target}`);
      try {
        const { stdout } = await promisify(execFile)(
          '/usr/bin/python3',
          [SCRIPT, '127.0.0.1', String(server.smtpPort), String(count), String(BODY_BYTES)],
          { timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024 },
        );
        const result = JSON.parse(stdout) as LatencySamples;
        const stored = await settledCount(server, count);
        if (stored !== null && stored !== count) {
          throw new Error(`${TARGET_NAMES[target]} stored ${stored} of ${count} latency messages`);
        }
        samples.set(target, [...(samples.get(target) ?? []), result]);
        ctx.log(
          `latency run ${run}/${ctx.runs} ${TARGET_NAMES[target]} (${count} samples): greeting p50 ` +
            `${percentile(result.greeting_raw_ms, 50).toFixed(2)} ms, DATA→250 p50 ` +
            `${percentile(result.data_ack_ms, 50).toFixed(2)} ms`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  for (const series of SERIES) {
    for (const p of [50, 99]) {
      const values: Partial<Record<Target, Figure>> = {};
      for (const [target, runs] of samples) {
        values[target] = toCell(runs.map((r) => percentile(r[series.key], p)));
      }
      ctx.rows.push({
        id: `latency-${series.key}-p${p}`,
        group: 'Latency: Python smtplib, fresh connection per message',
        figure: `${series.label} p${p}`,
        unit: 'ms',
        better: 'lower',
        values,
        ...(series.target && p === 50 ? { target: series.target } : {}),
      });
    }
  }
}
