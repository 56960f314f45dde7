import type { BenchContext, Goal, Row } from '../lib/context.js';
import { sendOnce } from '../lib/load.js';
import { settledCount, startTarget, type Server } from '../lib/servers.js';
import { slowloris, timedMessage } from '../lib/smtp-wire.js';
import { median, toCell } from '../lib/stats.js';
import { bigMessage } from './large-message.js';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SMTP rows of the `load` suite (issue 12), each bounded in count and time, loopback
 * only, before and during the load side by side: 20 concurrent 50 MB messages, a slowloris
 * holding every slot, and 200 clients that reconnect for every message.
 */
export async function runLoadSmtp(ctx: BenchContext): Promise<void> {
  await concurrentLargeMessages(ctx);
  await slowlorisAtTheLimit(ctx);
  await reconnectStorm(ctx);
}

function row(
  ctx: BenchContext,
  group: string,
  figure: string,
  unit: string,
  runs: number[],
  extra: { better?: Row['better']; target?: Goal } = {},
): void {
  ctx.rows.push({
    id: `load-${group}-${figure}`.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    group,
    figure,
    unit,
    better: extra.better ?? 'lower',
    values: { sluice: toCell(runs) },
    ...(extra.target ? { target: extra.target } : {}),
  });
}

async function withSluice<T>(
  ctx: BenchContext,
  name: string,
  args: readonly string[],
  use: (server: Server) => Promise<T>,
): Promise<T> {
  const server = await startTarget(ctx, 'sluice', name, { extraArgs: args });
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

const SENDERS = 20;

/** RSS before, at the peak, and 10 s after 20 clients each send a 50 MB message at once. */
async function concurrentLargeMessages(ctx: BenchContext): Promise<void> {
  const raw = bigMessage();
  const results: { before: number; peak: number; after: number; seconds: number }[] = [];
  for (let run = 1; run <= ctx.runs; run++) {
    const result = await withSluice(ctx, 'load-large', [], async (server) => {
      await sendOnce(server.smtpPort, Buffer.from('Subject: warm-up\r\n\r\nHello.\r\n'));
      await sleep(500);
      const before = server.sample().rssBytes / MB;
      const started = performance.now();
      await Promise.all(Array.from({ length: SENDERS }, () => sendOnce(server.smtpPort, raw)));
      const seconds = (performance.now() - started) / 1000;
      const peak = server.sample().peakRssBytes / MB;
      await sleep(10_000);
      const after = server.sample().rssBytes / MB;
      const stored = await settledCount(server, SENDERS + 1);
      if (stored !== SENDERS + 1) throw new Error(`stored ${stored} of ${SENDERS + 1}`);
      return { before, peak, after, seconds };
    });
    results.push(result);
    ctx.log(
      `load 20 x 50 MB run ${run}/${ctx.runs}: RSS ${result.before.toFixed(0)} MB before, ` +
        `peak ${result.peak.toFixed(0)} MB, ${result.after.toFixed(0)} MB 10 s after; ` +
        `all 250 in ${result.seconds.toFixed(1)} s`,
    );
  }
  const group = `Load: ${SENDERS} concurrent 50 MB messages`;
  row(
    ctx,
    group,
    'RSS before',
    'MB',
    results.map((r) => r.before),
  );
  row(
    ctx,
    group,
    'RSS peak during',
    'MB',
    results.map((r) => r.peak),
    {
      target: { op: '<=', value: 1024 },
    },
  );
  row(
    ctx,
    group,
    'RSS 10 s after',
    'MB',
    results.map((r) => r.after),
    {
      target: { op: '<=', value: 300 },
    },
  );
  row(
    ctx,
    group,
    'time to the last 250',
    's',
    results.map((r) => r.seconds),
  );
}

const SLOW_CONNECTIONS = 20;
const NORMAL_SAMPLES = 5;

/**
 * With --max-connections 20 and 20 connections trickling a byte every 20 s (reconnecting
 * when cut), how long a normal client takes from connect to its 250, against none.
 */
async function slowlorisAtTheLimit(ctx: BenchContext): Promise<void> {
  const before: number[] = [];
  const during: number[] = [];
  const failed: number[] = [];
  for (let run = 1; run <= ctx.runs; run++) {
    await withSluice(ctx, 'load-slowloris', ['--max-connections', '20'], async (server) => {
      const quiet: number[] = [];
      for (let i = 0; i < NORMAL_SAMPLES; i++) {
        quiet.push((await timedMessage(server.smtpPort, `quiet ${i}`)) ?? Number.NaN);
      }
      const attack = slowloris(server.smtpPort, SLOW_CONNECTIONS, 20_000);
      // Past the second after which a stalled session gives up its slot.
      await sleep(3_000);
      const attacked: number[] = [];
      let refused = 0;
      for (let i = 0; i < NORMAL_SAMPLES; i++) {
        const ms = await timedMessage(server.smtpPort, `under attack ${i}`);
        if (ms === null) refused++;
        attacked.push(ms ?? Number.NaN);
        await sleep(1_000);
      }
      await attack.stop();
      before.push(median(quiet));
      during.push(Math.max(...attacked.map((ms) => (Number.isNaN(ms) ? Infinity : ms))));
      failed.push(refused);
      ctx.log(
        `load slowloris run ${run}/${ctx.runs}: normal client ${median(quiet).toFixed(1)} ms ` +
          `alone, ${attacked.map((ms) => ms.toFixed(0)).join('/')} ms under attack ` +
          `(${refused} not served, ${attack.reconnects} slowloris reconnects)`,
      );
    });
  }
  const group = `Load: slowloris, ${SLOW_CONNECTIONS} connections at 1 byte / 20 s, --max-connections 20`;
  row(ctx, group, 'normal client, connect to 250, alone (median)', 'ms', before);
  row(ctx, group, 'normal client, connect to 250, under attack (slowest of 5)', 'ms', during, {
    target: { op: '<=', value: 1000 },
  });
  row(ctx, group, 'normal clients not served (of 5)', 'clients', failed, {
    target: { op: '<=', value: 0 },
  });
}

const STORM_CLIENTS = 200;
const STORM_MESSAGES = 20;

/**
 * 200 nodemailer clients, each sending 20 messages on a connection of its own (nodemailer
 * writes QUIT and closes without waiting), at the default --max-connections 200.
 */
async function reconnectStorm(ctx: BenchContext): Promise<void> {
  const refused: number[] = [];
  const rates: number[] = [];
  const attempts = STORM_CLIENTS * STORM_MESSAGES;
  for (let run = 1; run <= ctx.runs; run++) {
    await withSluice(ctx, 'load-storm', [], async (server) => {
      let count421 = 0;
      let other = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: STORM_CLIENTS }, async (_, client) => {
          for (let i = 0; i < STORM_MESSAGES; i++) {
            await sendOnce(
              server.smtpPort,
              Buffer.from(`Subject: storm ${client}/${i}\r\n\r\nHi.\r\n`),
            ).catch((error: { responseCode?: number }) => {
              if (error.responseCode === 421) count421++;
              else other++;
            });
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      refused.push(count421);
      rates.push((attempts - count421 - other) / seconds);
      ctx.log(
        `load reconnect storm run ${run}/${ctx.runs}: ${count421} × 421 and ${other} other ` +
          `failures of ${attempts}, ${((attempts - count421 - other) / seconds).toFixed(0)} msg/s`,
      );
    });
  }
  const group = `Load: ${STORM_CLIENTS} clients reconnecting per message at the default limit, ${attempts.toLocaleString('en-US')} attempts`;
  row(ctx, group, '421 replies', 'attempts', refused, { target: { op: '<=', value: 0 } });
  row(ctx, group, 'throughput', 'msg/s', rates, { better: 'higher' });
}
