import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../lib/context.js';
import { rows, SESSIONS, type RunResult, type Scenario } from '../lib/listener-rows.js';
import type { ListenerStats } from '../lib/listener-stats.js';
import { runSmtpSource } from '../lib/load.js';
import { sampleProcess } from '../lib/proc-stats.js';
import { trackChild } from '../lib/processes.js';
import { settledCount, startSluice, type Server } from '../lib/servers.js';

/**
 * Issue 12's listener rows: ingest with nobody listening, then with thousands of clients
 * listening, then with nobody again once they left, on the same server, one after the other:
 * "during" is compared with the mean of the two phases around it, so that a machine whose
 * load changes meanwhile moves both sides. The clients are raw sockets in a child process on
 * loopback (listener-clients.ts); every run stops them and the server.
 */

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'sse-deflate',
    mode: 'sse-deflate',
    clients: 5000,
    label: '5,000 open /api/events clients (Accept-Encoding: deflate, as browsers send)',
    extraArgs: [],
    rssGrowthTarget: { op: '<=', value: 200 },
  },
  {
    id: 'sse',
    mode: 'sse',
    clients: 5000,
    label: '5,000 open /api/events clients (no compression asked, as curl)',
    extraArgs: [],
    rssGrowthTarget: { op: '<=', value: 200 },
  },
  {
    id: 'wait',
    mode: 'wait',
    clients: 2000,
    label: '2,000 pending /api/messages/wait requests',
    // Exactly as many as the run opens: a probe past them is refused, which says they all wait.
    extraArgs: ['--max-waiters', '2000'],
  },
];

const MB = 1024 * 1024;
/**
 * Messages sent before anything is measured: with fewer, the first phase still paid for
 * the JIT and the database's first pages (its CPU came out 20 % above the last phase's).
 */
const WARM_UP = 1000;
const BYTES = 2 * 1024;
/** Enough for the clients, the server's own and some spare. */
const FD_HEADROOM = 1000;
/** How long the clients may take to connect, and the events to reach all of them. */
const SETTLE_MS = 120_000;
const CLIENT_SCRIPT = fileURLToPath(new URL('../lib/listener-clients.ts', import.meta.url));

/** How long the server has to let the clients go before the last phase. */
const LEAVE_MS = 3000;

export async function runLoadListeners(ctx: BenchContext): Promise<void> {
  const messages = ctx.mode === 'full' ? 5000 : 2000;
  for (const scenario of SCENARIOS) {
    const results: RunResult[] = [];
    let failure: string | null = null;
    for (let run = 1; run <= ctx.runs && !failure; run++) {
      try {
        const result = await runOnce(ctx, scenario, messages);
        results.push(result);
        ctx.log(
          `load ${scenario.id} run ${run}/${ctx.runs}: ${result.before.toFixed(0)} → ` +
            `${result.during.toFixed(0)} → ${result.after.toFixed(0)} msg/s, CPU ` +
            `${result.cpuBefore.toFixed(1)} → ${result.cpuDuring.toFixed(1)} → ` +
            `${result.cpuAfter.toFixed(1)} s, RSS ${result.rssBeforeMb.toFixed(0)} → ` +
            `${result.peakDuringMb.toFixed(0)} MB, check ${result.check}`,
        );
      } catch (error) {
        // The first line is enough for the table; the log has the rest.
        failure = (error as Error).message.split('\n')[0]!.slice(0, 160);
        ctx.log(`load ${scenario.id}: ${failure}`);
      }
    }
    ctx.rows.push(...rows(ctx, scenario, messages, results, failure));
  }
}

async function runOnce(ctx: BenchContext, scenario: Scenario, messages: number) {
  const dir = ctx.scratch(`load-${scenario.id}`);
  const server = await startSluice({ db: `${dir}/sluice.db`, extraArgs: scenario.extraArgs });
  let clients: ChildProcess | undefined;
  try {
    ensureFileLimit(server.pid, scenario.clients + FD_HEADROOM);
    const ingest = { sessions: SESSIONS, messages, bytes: BYTES, reuse: false };
    let stored = 0;
    /** One ingest phase: msg/s and the server's CPU seconds until every message is stored. */
    const phase = async () => {
      const cpu = server.sample().cpuSeconds;
      const seconds = await runSmtpSource(server.smtpPort, ingest);
      await settledCount(server, (stored += messages));
      return { rate: messages / seconds, cpu: server.sample().cpuSeconds - cpu, seconds };
    };
    // Warm up first (JIT, the database's first pages), so that the first measured phase is
    // not the only one to pay for a cold start.
    await runSmtpSource(server.smtpPort, { ...ingest, messages: WARM_UP });
    await settledCount(server, (stored += WARM_UP));
    const before = await phase();
    const rssBeforeMb = server.sample().rssBytes / MB;

    clients = startClients(scenario, Number(new URL(server.httpUrl!).port));
    await clientsReady(scenario, server, clients);
    const serverCpu = server.sample().cpuSeconds;
    const clientCpu = sampleProcess(clients.pid!).cpuSeconds;
    const bytesAtStart = (await stats(clients, 0)).bytes;
    const during = await phase();
    const ended = performance.now();
    const peakDuringMb = server.sample().peakRssBytes / MB;
    const delivery = await delivered(scenario, server, clients, messages, ended);
    const cpuDuring = server.sample().cpuSeconds - serverCpu;
    const clientSeconds = sampleProcess(clients.pid!).cpuSeconds - clientCpu;
    await stopClients(clients);
    clients = undefined;
    const after = await phase();
    return {
      before: before.rate,
      during: during.rate,
      after: after.rate,
      cpuBefore: before.cpu,
      cpuDuring,
      cpuAfter: after.cpu,
      clientCpu: clientSeconds,
      rssBeforeMb,
      peakDuringMb,
      check: delivery.check,
      deliveredAfter: delivery.seconds,
      bytesPerClient:
        scenario.mode === 'wait' ? null : (delivery.last.bytes - bytesAtStart) / scenario.clients,
      storedShare: delivery.storedShare,
    };
  } finally {
    if (clients) await stopClients(clients);
    await server.stop();
  }
}

/** sse: waits until every decoding client's events reached the newest message; wait: counts answers. */
async function delivered(
  scenario: Scenario,
  server: Server,
  clients: ChildProcess,
  messages: number,
  ended: number,
) {
  if (scenario.mode === 'wait') {
    const last = await stats(clients, 0);
    return { last, check: last.answered, seconds: null, storedShare: null };
  }
  const newest = await newestId(server);
  const last = await eventually(clients, newest, (s) => s.complete >= s.counting);
  const seconds = last.complete === last.counting ? (performance.now() - ended) / 1000 : null;
  const storedShare = (100 * last.stored) / (last.counting * messages);
  return { last, check: last.complete, seconds, storedShare };
}

async function newestId(server: Server): Promise<number> {
  const page = (await (await fetch(`${server.httpUrl}/api/messages?limit=1`)).json()) as {
    messages: { id: number }[];
  };
  return page.messages[0]?.id ?? 0;
}

/** Closes every client and gives the server a moment to see them go. */
async function stopClients(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, LEAVE_MS))]);
  child.kill();
  await new Promise((resolve) => setTimeout(resolve, LEAVE_MS));
}

function startClients(scenario: Scenario, port: number): ChildProcess {
  const child = fork(CLIENT_SCRIPT, [scenario.mode, String(port), String(scenario.clients)], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  trackChild(child);
  ensureFileLimit(child.pid!, scenario.clients + FD_HEADROOM);
  return child;
}

function stats(child: ChildProcess, target: number): Promise<ListenerStats> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message as ListenerStats));
    child.send({ stats: target });
  });
}

/** Polls the clients until `done`, or for SETTLE_MS; returns the last stats. */
async function eventually(
  child: ChildProcess,
  target: number,
  done: (stats: ListenerStats) => boolean,
): Promise<ListenerStats> {
  const deadline = performance.now() + SETTLE_MS;
  for (;;) {
    const current = await stats(child, target);
    if (done(current) || performance.now() > deadline) return current;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every client connected (sse: its stream answered; wait: the server holds every waiter). */
async function clientsReady(scenario: Scenario, server: Server, child: ChildProcess) {
  const sse = scenario.mode !== 'wait';
  const last = await eventually(child, 0, (s) =>
    sse ? s.answered >= scenario.clients : s.opened >= scenario.clients,
  );
  const connected = sse ? last.answered : last.opened;
  if (connected < scenario.clients || last.failed > 0)
    throw new Error(`${connected} of ${scenario.clients} clients connected, ${last.failed} failed`);
  if (sse) return;
  // --max-waiters equals the clients: a probe is refused once all of them wait.
  const deadline = performance.now() + SETTLE_MS;
  while (performance.now() < deadline) {
    const probe = await fetch(`${server.httpUrl}/api/messages/wait?timeout=0s&query=to:probe`);
    await probe.arrayBuffer();
    if (probe.status === 503) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not hold ${scenario.clients} waiters within ${SETTLE_MS} ms`);
}

/**
 * Thousands of sockets need as many file descriptors. Node raises its soft limit to the hard
 * one at startup; a hard limit below `needed` is raised with prlimit (root only).
 */
function ensureFileLimit(pid: number, needed: number): void {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  const soft = match?.[1] === 'unlimited' ? Infinity : Number(match?.[1]);
  if (soft >= needed) return;
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${needed}:${needed}`]);
  } catch {
    throw new Error(
      `needs ${needed} open files per process, the limit is ${soft}: raise it (ulimit -n ${needed}, as root or in limits.conf) and run again`,
    );
  }
}
