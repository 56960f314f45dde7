import { createTransport } from 'nodemailer';
import {
  SHORT_SUBSTRING,
  SUBSTRING,
  WORD,
  mailDevDriver,
  sluiceDriver,
  type ApiDriver,
} from '../lib/api-drivers.js';
import type { BenchContext, Goal, Row } from '../lib/context.js';
import { MessageGenerator } from '../lib/generator.js';
import { medianRequestMs } from '../lib/http-timing.js';
import { startMailDev, startSluice, type Server, type Target } from '../lib/servers.js';
import { median, missing, toCell, type Figure } from '../lib/stats.js';
import { seedDatabase, type Marker } from '../seed.js';
import { MAX_CACHED_MESSAGES, restoreSeed, saveSeed, seedCacheKey } from '../lib/seed-cache.js';
import { measureInboxRender } from './inbox-render.js';

const MB = 1024 * 1024;
/** Requests per endpoint per run; the run's figure is their median. */
const FETCHES = 20;
/** The 2-letter search scans the whole index: fewer repeats keep a million-message run short. */
const SCAN_FETCHES = 5;
const DELETES_PER_RUN = 3;
const BATCH_NOTE =
  "bench/lib/batch-writer.ts: the store's own addMessage, with 1,000 messages in flight so that " +
  'its group commit writes up to 200 per transaction';
const MESSAGES_PER_MARKER = 10;

type EndpointId = 'list' | 'word' | 'substring' | 'short' | 'message' | 'raw' | 'delete';

const ENDPOINTS: readonly { id: EndpointId; label: string; goal?: Goal }[] = [
  { id: 'list', label: 'list, first page of 50', goal: { op: '<=', value: 10 } },
  { id: 'word', label: `word search "${WORD}" (~1% match)`, goal: { op: '<=', value: 100 } },
  { id: 'substring', label: `substring search "${SUBSTRING}"`, goal: { op: '<=', value: 100 } },
  { id: 'short', label: `2-letter substring "${SHORT_SUBSTRING}" (most match)` },
  { id: 'message', label: 'one message (parsed detail)' },
  { id: 'raw', label: 'raw source' },
  { id: 'delete', label: `delete-by-search (${MESSAGES_PER_MARKER} matches)` },
];

type Round = Record<EndpointId, number>;

function markersFor(tier: number, runs: number): Marker[] {
  return Array.from({ length: runs * DELETES_PER_RUN }, (_, k) => ({
    // Same length for every k, so that no marker is a substring of another.
    word: `zqpurge${tier}x${String(k).padStart(3, '0')}`,
    count: MESSAGES_PER_MARKER,
  }));
}

/** One round of every question, with the delete markers this round may use. */
async function measureRound(driver: ApiDriver, markers: readonly Marker[]): Promise<Round> {
  const deletes: number[] = [];
  for (const marker of markers) {
    const { ms, deleted } = await driver.deleteBySearch(marker.word);
    if (deleted !== marker.count) {
      throw new Error(`deleting "${marker.word}" removed ${deleted}, expected ${marker.count}`);
    }
    deletes.push(ms);
  }
  // After the deletes, so that every sampled message still exists.
  const ids = await driver.sampleIds(FETCHES + 2);
  return {
    list: await medianRequestMs(() => driver.list(), FETCHES),
    word: await medianRequestMs(() => driver.search(WORD), FETCHES),
    substring: await medianRequestMs(() => driver.search(SUBSTRING), FETCHES),
    short: await medianRequestMs(() => driver.search(SHORT_SUBSTRING), SCAN_FETCHES, 1),
    message: await medianRequestMs((i) => driver.message(ids[i]!), FETCHES),
    raw: await medianRequestMs((i) => driver.raw(ids[i]!), FETCHES),
    delete: median(deletes),
  };
}

interface TierResult {
  readonly rounds: Round[];
  readonly rssMb: number[];
  readonly startupSeconds: number[];
  readonly bytesPerMessage?: number;
  readonly inboxRender?: Figure;
}

async function measureSluice(
  ctx: BenchContext,
  db: { db: string; dataDir: string },
  tier: number,
  markers: readonly Marker[],
): Promise<TierResult> {
  const result: TierResult = { rounds: [], rssMb: [], startupSeconds: [] };
  let bytesPerMessage: number | undefined;
  let inboxRender: Figure | undefined;
  for (let run = 0; run < ctx.runs; run++) {
    const started = performance.now();
    const server = await startSluice(db);
    result.startupSeconds.push((performance.now() - started) / 1000);
    try {
      const base = server.httpUrl!;
      if (run === 0) {
        const info = (await (await fetch(`${base}/api/info`)).json()) as {
          messages: { total: number };
          database: { bytes: number };
        };
        bytesPerMessage = info.database.bytes / info.messages.total;
      }
      const round = await measureRound(
        sluiceDriver(base),
        markers.slice(run * DELETES_PER_RUN, (run + 1) * DELETES_PER_RUN),
      );
      result.rounds.push(round);
      result.rssMb.push(server.sample().rssBytes / MB);
      logRound(ctx, 'Sluice', tier, run, round);
      if (tier === 100_000 && run === ctx.runs - 1)
        inboxRender = await measureInboxRender(ctx, base);
    } finally {
      await server.stop();
    }
  }
  return {
    ...result,
    ...(bytesPerMessage ? { bytesPerMessage } : {}),
    ...(inboxRender ? { inboxRender } : {}),
  };
}

/** MailDev keeps its mailbox in memory, so it is filled over SMTP once and asked in rounds. */
async function measureMailDev(ctx: BenchContext, tier: number, markers: readonly Marker[]) {
  const server = await startMailDev(ctx.scratch(`http-maildev-${tier}`));
  try {
    const seconds = await fillOverSmtp(server, tier, markers);
    ctx.log(`MailDev: ${tier} messages sent over SMTP in ${seconds.toFixed(0)} s`);
    const stored = await server.storedCount();
    if (stored !== tier) throw new Error(`MailDev holds ${stored} of ${tier} messages`);
    const result: TierResult = { rounds: [], rssMb: [], startupSeconds: [] };
    for (let run = 0; run < ctx.runs; run++) {
      const round = await measureRound(
        mailDevDriver(server.httpUrl!),
        markers.slice(run * DELETES_PER_RUN, (run + 1) * DELETES_PER_RUN),
      );
      result.rounds.push(round);
      result.rssMb.push(server.sample().rssBytes / MB);
      logRound(ctx, 'MailDev', tier, run, round);
    }
    return result;
  } finally {
    await server.stop();
  }
}

/** The same generated messages the Sluice database holds, through a 10-connection pool. */
async function fillOverSmtp(server: Server, count: number, markers: readonly Marker[]) {
  const generator = new MessageGenerator({ startMs: Date.UTC(2026, 0, 1), stepMs: 2600 });
  const markerAt = new Map<number, string>();
  markers
    .flatMap((m) => Array.from({ length: m.count }, () => m.word))
    .forEach((word, k, all) => markerAt.set(Math.floor(((k + 0.5) * count) / all.length), word));
  const transport = createTransport({
    host: '127.0.0.1',
    port: server.smtpPort,
    pool: true,
    maxConnections: 10,
    maxMessages: Infinity,
    ignoreTLS: true,
    name: 'bench.example',
  });
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const marker = markerAt.get(next++);
      const message = generator.next(marker ? [marker] : []);
      await transport.sendMail({
        envelope: { from: message.mailFrom, to: [...message.rcptTo] },
        raw: message.raw,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: 40 }, worker));
  } finally {
    transport.close();
  }
  return (performance.now() - started) / 1000;
}

function logRound(ctx: BenchContext, name: string, tier: number, run: number, round: Round) {
  const parts = ENDPOINTS.map((e) => `${e.id} ${round[e.id].toFixed(1)}`).join(', ');
  ctx.log(`HTTP ${tier} stored, ${name} run ${run + 1}/${ctx.runs} (ms): ${parts}`);
}

interface Seeded {
  readonly perSecond: number;
  readonly writer: 'store' | 'batch';
}

/** Fills the database up to `tier` messages, or restores it from the cache. */
async function seedTier(
  ctx: BenchContext,
  db: string,
  tier: number,
  markers: readonly Marker[],
  key: string,
): Promise<Seeded> {
  // The cache keeps SQLite files; a PostgreSQL database is seeded afresh every run.
  const cacheable = tier <= MAX_CACHED_MESSAGES;
  const cached =
    cacheable && ctx.engine === 'sqlite' && !ctx.freshSeed ? restoreSeed(key, db) : null;
  if (cached) {
    ctx.log(
      `restored the ${tier.toLocaleString('en-US')}-message database from bench/peers/seed-cache`,
    );
    ctx.notes.push(
      `The ${tier.toLocaleString('en-US')}-message database came from the seed cache; its seeding rate is from the run that made it (--fresh-seed to redo).`,
    );
    return { perSecond: cached.perSecond, writer: 'store' };
  }
  // Past the cacheable sizes the store's one-commit-per-message path would take hours on
  // this machine; the batched writer writes the same rows (checked on a sample first).
  // PostgreSQL flushes its log at every commit (synchronous_commit, its default): one
  // message per commit would take most of an hour at 100,000, so it is batched throughout.
  const writer = cacheable && ctx.engine === 'sqlite' ? 'store' : 'batch';
  ctx.log(
    `seeding the Sluice database up to ${tier.toLocaleString('en-US')} messages (${writer} path)`,
  );
  const seed = await seedDatabase({
    path: db,
    total: tier,
    markers,
    verifySample: 50,
    writer,
    onProgress: (done, wanted, rate) =>
      ctx.log(
        `  seeded ${done.toLocaleString('en-US')}/${wanted.toLocaleString('en-US')} (${rate.toFixed(0)}/s)`,
      ),
  });
  ctx.log(
    `  seeded ${seed.added} in ${seed.seconds.toFixed(0)} s (${seed.perSecond.toFixed(0)}/s; ` +
      `${seed.verified} checked against the parser)`,
  );
  if (writer === 'store') saveSeed(key, db, { perSecond: seed.perSecond });
  else {
    ctx.notes.push(
      `The ${tier.toLocaleString('en-US')}-message database was filled by the batched seeding path (${BATCH_NOTE}).`,
    );
  }
  return { perSecond: seed.perSecond, writer };
}

/** HTTP API latencies at 10k, 100k (and in full mode 1M) stored messages. */
export async function runHttpApi(ctx: BenchContext): Promise<void> {
  const tiers =
    ctx.tiers ?? (ctx.mode === 'full' ? [10_000, 100_000, 1_000_000] : [10_000, 100_000]);
  // MailDev holds everything in memory and is filled over SMTP: the smaller sizes only.
  const mailDevLimit = ctx.mode === 'full' ? 100_000 : 10_000;
  const mailDevTiers = ctx.peers.includes('maildev') ? tiers.filter((t) => t <= mailDevLimit) : [];
  const dataDir = ctx.scratch('seeded');
  const db = await ctx.newDatabase(dataDir);
  const steps: unknown[] = [];
  for (const tier of tiers) {
    const markers = markersFor(tier, ctx.runs);
    steps.push({ tier, markers });
    const seed = await seedTier(ctx, db, tier, markers, seedCacheKey(steps));
    const sluice = await measureSluice(ctx, { db, dataDir }, tier, markers);
    const mailDev = mailDevTiers.includes(tier)
      ? await measureMailDev(ctx, tier, markers)
      : undefined;
    pushRows(ctx, tier, seed, sluice, mailDev);
  }
}

function pushRows(
  ctx: BenchContext,
  tier: number,
  seed: Seeded,
  sluice: TierResult,
  mailDev: TierResult | undefined,
): void {
  const group = `HTTP API with ${tier.toLocaleString('en-US')} messages stored`;
  const mailDevMissing = missing(
    ctx.peers.includes('maildev') ? 'not filled at this size (in-memory store)' : 'not run',
  );
  const rows: Row[] = ENDPOINTS.map((endpoint) => ({
    id: `http-${tier}-${endpoint.id}`,
    group,
    figure: endpoint.label,
    unit: 'ms',
    better: 'lower',
    values: {
      sluice: toCell(sluice.rounds.map((r) => r[endpoint.id])),
      maildev: mailDev ? toCell(mailDev.rounds.map((r) => r[endpoint.id])) : mailDevMissing,
      sink: missing('no API'),
    },
    ...(endpoint.goal && tier === 1_000_000 ? { target: endpoint.goal } : {}),
  }));
  const sluiceOnly = (values: Partial<Record<Target, Figure>>) => ({
    maildev: missing('not measured'),
    sink: missing('no API'),
    ...values,
  });
  rows.push(
    {
      id: `http-${tier}-rss`,
      group,
      figure: 'server RSS after the requests',
      unit: 'MB',
      better: 'lower',
      values: {
        sluice: toCell(sluice.rssMb),
        maildev: mailDev ? toCell(mailDev.rssMb) : mailDevMissing,
        sink: missing('no API'),
      },
    },
    {
      id: `http-${tier}-startup`,
      group,
      figure: 'startup until listening',
      unit: 's',
      better: 'lower',
      values: sluiceOnly({ sluice: toCell(sluice.startupSeconds) }),
    },
    {
      id: `http-${tier}-db-bytes`,
      group,
      figure: 'database bytes per message',
      unit: 'B',
      better: 'lower',
      values: sluiceOnly({
        sluice: sluice.bytesPerMessage ? toCell([sluice.bytesPerMessage]) : missing('unknown'),
        maildev: missing('keeps mail in memory and .eml files'),
      }),
    },
    {
      id: `http-${tier}-seed-rate`,
      group,
      figure:
        seed.writer === 'store'
          ? 'seeding rate (store.addMessage, one transaction per message)'
          : 'seeding rate (store with 1,000 addMessage calls in flight)',
      unit: 'msg/s',
      better: 'higher',
      values: sluiceOnly({
        sluice: toCell([seed.perSecond]),
        maildev: missing('filled over SMTP'),
      }),
    },
  );
  if (sluice.inboxRender) {
    rows.push({
      id: `http-${tier}-inbox-render`,
      group,
      figure: 'inbox first render in Chromium (to the first row)',
      unit: 'ms',
      better: 'lower',
      values: sluiceOnly({ sluice: sluice.inboxRender, maildev: missing('not measured') }),
    });
  }
  ctx.rows.push(...rows);
}
