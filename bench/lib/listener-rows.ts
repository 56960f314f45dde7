import type { BenchContext, Goal, Row } from './context.js';
import { SAMPLE_EVERY } from './listener-stats.js';
import { missing, toCell, type Figure } from './stats.js';

/** The load suite's listener rows (suites/load-listeners.ts): a scenario, a run's figures, the table. */

export interface Scenario {
  readonly id: string;
  readonly mode: 'sse' | 'sse-deflate' | 'wait';
  readonly clients: number;
  readonly label: string;
  readonly extraArgs: readonly string[];
  readonly rssGrowthTarget?: Goal;
}

const SHARE_TARGET: Goal = { op: '>=', value: 90 };
/** smtp-source sessions of every ingest phase. */
export const SESSIONS = 10;

export interface RunResult {
  readonly before: number;
  readonly during: number;
  readonly after: number;
  /**
   * Server CPU seconds: ingest with nobody listening; ingest and delivery to every client;
   * ingest with nobody listening again.
   */
  readonly cpuBefore: number;
  readonly cpuDuring: number;
  readonly cpuAfter: number;
  /** The clients' own CPU seconds meanwhile (same machine). */
  readonly clientCpu: number;
  readonly rssBeforeMb: number;
  readonly peakDuringMb: number;
  /** sse: clients that got every stored event; wait: requests answered (should be none). */
  readonly check: number;
  /** sse: seconds from the end of ingest until every client had every event. */
  readonly deliveredAfter: number | null;
  /** sse: bytes each client received meanwhile, on average. */
  readonly bytesPerClient: number | null;
  /** sse: of the events the decoding clients had, the share that came as `stored` events. */
  readonly storedShare: number | null;
}

export function rows(
  ctx: BenchContext,
  scenario: Scenario,
  messages: number,
  results: readonly RunResult[],
  failure: string | null,
): Row[] {
  const group = `Load: ${scenario.label}; ingest smtp-source, ${SESSIONS} sessions, new connection per message, 2 KB, ${messages.toLocaleString('en-US')} messages`;
  const cell = (pick: (r: RunResult) => number | null): Figure => {
    const values = results.map(pick).filter((v): v is number => v !== null);
    if (values.length === 0) return missing(failure ?? 'not measured');
    return toCell(values, failure ? `a run failed: ${failure}` : undefined);
  };
  const row = (
    id: string,
    figure: string,
    unit: string,
    better: Row['better'],
    pick: (r: RunResult) => number | null,
    target?: Goal,
  ): Row => ({
    id: `load-${scenario.id}-${id}`,
    group,
    figure,
    unit,
    better,
    values: { sluice: cell(pick) },
    ...(target ? { target } : {}),
  });
  const list = [
    row('before', 'ingest, nobody listening', 'msg/s', 'higher', (r) => r.before),
    row('during', `ingest with ${scenario.label}`, 'msg/s', 'higher', (r) => r.during),
    row('after', 'ingest, nobody listening again', 'msg/s', 'higher', (r) => r.after),
    row(
      'share',
      'ingest during, share of the mean of before and after',
      '%',
      'higher',
      (r) => (200 * r.during) / (r.before + r.after),
      SHARE_TARGET,
    ),
    row('cpu-before', 'server CPU, ingest with nobody listening', 's', 'lower', (r) => r.cpuBefore),
    row(
      'cpu-during',
      'server CPU, ingest and delivery with the clients',
      's',
      'lower',
      (r) => r.cpuDuring,
    ),
    row(
      'cpu-after',
      'server CPU, ingest with nobody listening again',
      's',
      'lower',
      (r) => r.cpuAfter,
    ),
    row(
      'cpu-share',
      'server CPU during, share of the mean of before and after (steadier on a busy machine)',
      '%',
      'lower',
      (r) => (200 * r.cpuDuring) / (r.cpuBefore + r.cpuAfter),
    ),
    row(
      'client-cpu',
      "the clients' CPU meanwhile (same machine)",
      's',
      'lower',
      (r) => r.clientCpu,
    ),
    row('rss-before', 'server RSS before the clients', 'MB', 'lower', (r) => r.rssBeforeMb),
    row('rss-peak', 'server peak RSS with the clients', 'MB', 'lower', (r) => r.peakDuringMb),
    row(
      'rss-growth',
      'RSS growth with the clients',
      'MB',
      'lower',
      (r) => r.peakDuringMb - r.rssBeforeMb,
      scenario.rssGrowthTarget,
    ),
  ];
  if (scenario.mode !== 'wait') {
    const sampled = Math.ceil(scenario.clients / SAMPLE_EVERY);
    list.push(
      row(
        'delivered',
        `decoding clients (1 in ${SAMPLE_EVERY}) that got every event, of ${sampled}`,
        'clients',
        'higher',
        (r) => r.check,
      ),
      row(
        'lag',
        'every event at every client, after the last 250',
        's',
        'lower',
        (r) => r.deliveredAfter,
      ),
      row('bytes', 'bytes each client received during ingest', 'KB', 'lower', (r) =>
        r.bytesPerClient === null ? null : r.bytesPerClient / 1024,
      ),
      row(
        'stored-share',
        "events that came as `stored` (the rest in a `reset` 'burst')",
        '%',
        'higher',
        (r) => r.storedShare,
      ),
    );
  } else {
    list.push(
      row(
        'answered',
        'waiters answered (none matches; must be 0)',
        'requests',
        'lower',
        (r) => r.check,
      ),
    );
  }
  if (ctx.runs > 1 && results.length > 0)
    ctx.notes.push(
      `load ${scenario.id}: before, during and after run on the same server, one after the other, in each of ${results.length} runs.`,
    );
  return list;
}
