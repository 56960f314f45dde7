import { writeFileSync } from 'node:fs';
import type { BenchContext } from '../lib/context.js';
import { runSmtpSource } from '../lib/load.js';
import { startSink, startSluice, type Server } from '../lib/servers.js';
import { missing, toCell, type Figure } from '../lib/stats.js';

const BYTES = 2048;
const UPSTREAM_CONNECTIONS = 5;

/** Every recipient relayed to a local smtp-sink, plain SMTP, no auth. */
function relayConfig(upstreamPort: number): string {
  return [
    'relay:',
    '  upstreams:',
    '    - name: sink',
    '      host: 127.0.0.1',
    `      port: ${upstreamPort}`,
    '      tls: none',
    '      auth: none',
    `      max_connections: ${UPSTREAM_CONNECTIONS}`,
    '  rules:',
    '    - name: everything',
    "      match: { recipient: '*' }",
    '      action: relay',
    '',
  ].join('\n');
}

async function outboxHas(sluice: Server, states: string): Promise<boolean> {
  const response = await fetch(`${sluice.httpUrl}/api/relay/outbox?limit=1&state=${states}`);
  if (!response.ok) throw new Error(`outbox answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { entries: unknown[] }).entries.length > 0;
}

/** Outbox entries in `state`, counted page by page. */
async function countOutbox(sluice: Server, state: string): Promise<number> {
  let count = 0;
  let before = '';
  for (;;) {
    const response = await fetch(
      `${sluice.httpUrl}/api/relay/outbox?limit=500&state=${state}${before}`,
    );
    const page = (await response.json()) as { entries: unknown[]; nextCursor: number | null };
    count += page.entries.length;
    if (page.nextCursor === null) return count;
    before = `&before=${page.nextCursor}`;
  }
}

/** Seconds from the first message in to the last one sent on, for `messages` messages. */
async function relayOnce(ctx: BenchContext, messages: number): Promise<number> {
  const dir = ctx.scratch('relay');
  const config = `${dir}/sluice.yaml`;
  const upstream = await startSink();
  let sluice: Server | undefined;
  try {
    writeFileSync(config, relayConfig(upstream.smtpPort));
    sluice = await startSluice({
      db: await ctx.newDatabase(dir),
      dataDir: dir,
      extraArgs: ['--config', config],
    });
    const started = performance.now();
    await runSmtpSource(sluice.smtpPort, { sessions: 10, messages, bytes: BYTES, reuse: true });
    const deadline = Date.now() + 10 * 60_000;
    while (await outboxHas(sluice, 'queued,sending')) {
      if (Date.now() > deadline) throw new Error('the outbox did not drain in 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    // A rule that matched nothing would leave the outbox empty and "drained" at once.
    const sent = await countOutbox(sluice, 'sent');
    if (sent !== messages) throw new Error(`${sent} of ${messages} messages were relayed`);
    return seconds;
  } finally {
    await sluice?.stop();
    await upstream.stop();
  }
}

/** Relay throughput: smtp-source into Sluice, every message relayed on to smtp-sink. */
export async function runRelay(ctx: BenchContext): Promise<void> {
  const messages = ctx.mode === 'full' ? 5000 : 500;
  let figure: Figure;
  try {
    const rates: number[] = [];
    for (let run = 1; run <= ctx.runs; run++) {
      const seconds = await relayOnce(ctx, messages);
      rates.push(messages / seconds);
      ctx.log(`relay run ${run}/${ctx.runs}: ${rates.at(-1)!.toFixed(0)} msg/s in and out`);
    }
    figure = toCell(rates);
  } catch (error) {
    ctx.log(`relay: ${(error as Error).message}`);
    figure = missing(`relay run failed: ${(error as Error).message.split('\n')[0]}`);
  }
  ctx.rows.push({
    id: 'relay-throughput',
    group: `Relay: ${messages.toLocaleString('en-US')} × 2 KB in over 10 reused connections, relayed to smtp-sink over ${UPSTREAM_CONNECTIONS}`,
    figure: 'end to end, first message in to last one sent on',
    unit: 'msg/s',
    better: 'higher',
    values: { sluice: figure, maildev: missing('not measured'), sink: missing('not a relay') },
  });
}
