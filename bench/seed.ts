/**
 * Fills a Sluice database with generated mail through the real store and parser, fast enough
 * for a million messages: each template is parsed once, and a message's parsed form is the
 * template's with the same placeholders filled in (see lib/templates.ts). A sample is parsed
 * for real and compared, so the fast path cannot drift from what SMTP ingest stores.
 *
 *   npx tsx bench/seed.ts --db /tmp/seeded.db --count 100000 [--batch]
 *
 * Uses the built code in dist/ (run `npm run build` first), the same code the server runs.
 */
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { ParsedMessage } from '../src/mail/types.js';
import type { NewMessage } from '../src/store/types.js';
import { BatchWriter } from './lib/batch-writer.js';
import { openSeedStore } from './lib/seed-store.js';
import { buildUrl } from './lib/build.js';
import { MessageGenerator, type GeneratedMessage } from './lib/generator.js';
import { TEMPLATES, fillTemplate } from './lib/templates.js';

type ParseModule = typeof import('../src/mail/parse.js');

/** Dates run from here, one message every STEP_MS, so that a million span about a month. */
const START_MS = Date.UTC(2026, 0, 1);
const STEP_MS = 2600;

export interface Marker {
  /** A word put into the subject of `count` messages spread over the new ones. */
  readonly word: string;
  readonly count: number;
}

export interface SeedOptions {
  /** A SQLite file or a postgres:// URL, as --db takes it. */
  readonly path: string;
  /** Messages wanted in the database in all; those already there count. */
  readonly total: number;
  readonly markers?: readonly Marker[];
  /** Generated messages also parsed for real and compared with the fast path. */
  readonly verifySample?: number;
  readonly onProgress?: (done: number, wanted: number, perSecond: number) => void;
  /**
   * 'store' (default): the store's `addMessage` awaited one at a time, as a lone SMTP client.
   * 'batch': the same store with many messages in flight, so its group commit puts up to 200
   * in each transaction (lib/batch-writer.ts).
   */
  readonly writer?: 'store' | 'batch';
}

interface MessageSink {
  add(message: NewMessage): Promise<unknown> | void;
  close(): Promise<void> | void;
}

export interface SeedResult {
  readonly added: number;
  readonly total: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly verified: number;
}

export async function seedDatabase(options: SeedOptions): Promise<SeedResult> {
  const { parseMessage } = (await import(buildUrl('dist/mail/parse.js'))) as ParseModule;
  const parsedTemplates = await Promise.all(
    TEMPLATES.map(async (t) => JSON.stringify(await parseMessage(Buffer.from(t.raw)))),
  );
  const toNewMessage = (message: GeneratedMessage): NewMessage => ({
    raw: message.raw,
    parsed: fastParse(parsedTemplates[message.templateIndex]!, message),
    envelope: { mailFrom: message.mailFrom, rcptTo: message.rcptTo },
    client: { address: '127.0.0.1', helo: 'bench', authUser: null, tls: false },
    receivedAt: new Date(message.dateMs + 2000),
  });
  const store = await openSeedStore(options.path);
  const existing = (await store.stats()).total;
  let sink: MessageSink = {
    add: (m) => store.addMessage(m),
    // Indexed as a quiet server would have it before anyone searches.
    close: async () => {
      await store.indexPendingSearch();
      await store.close();
    },
  };
  if (options.writer === 'batch') {
    await store.close();
    const writer = await BatchWriter.open(options.path);
    sink = { add: (m) => writer.add(m), close: () => writer.close() };
  }
  try {
    const wanted = Math.max(0, options.total - existing);
    const generator = new MessageGenerator({
      startMs: START_MS,
      stepMs: STEP_MS,
      firstIndex: existing,
    });
    const markerAt = markerPositions(options.markers ?? [], wanted);
    const verifyEvery = Math.max(1, Math.floor(wanted / Math.max(1, options.verifySample ?? 0)));
    const started = performance.now();
    let verified = 0;
    let lastReport = started;
    for (let i = 0; i < wanted; i++) {
      const marker = markerAt.get(i);
      const message = generator.next(marker ? [marker] : []);
      const newMessage = toNewMessage(message);
      // The first messages of each template and an even sample after that are checked.
      if (options.verifySample && (i < TEMPLATES.length * 3 || i % verifyEvery === 0)) {
        compareWithParser(await parseMessage(message.raw), newMessage.parsed, message);
        verified++;
      }
      await sink.add(newMessage);
      const now = performance.now();
      if (options.onProgress && now - lastReport > 5000) {
        lastReport = now;
        options.onProgress(i + 1, wanted, ((i + 1) * 1000) / (now - started));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      added: wanted,
      total: existing + wanted,
      seconds,
      perSecond: wanted / Math.max(seconds, 1e-9),
      verified,
    };
  } finally {
    await sink.close();
  }
}

/** The template's parsed form with this message's values filled in (JSON-escaped). */
function fastParse(templateJson: string, message: GeneratedMessage): ParsedMessage {
  const parsed = JSON.parse(
    fillTemplate(templateJson, message.values, (value) => JSON.stringify(value).slice(1, -1)),
  ) as ParsedMessage;
  // The template's "Date: qqdateqq" does not parse as a date; the filled-in one does.
  return { ...parsed, date: message.dateMs };
}

function compareWithParser(real: ParsedMessage, fast: ParsedMessage, message: GeneratedMessage) {
  if (isDeepStrictEqual(real, fast)) return;
  const fields = (Object.keys(real) as (keyof ParsedMessage)[]).filter(
    (key) => !isDeepStrictEqual(real[key], fast[key]),
  );
  const detail = fields
    .map((f) => `  ${f}: parser ${JSON.stringify(real[f])} / fast path ${JSON.stringify(fast[f])}`)
    .join('\n');
  throw new Error(
    `seed fast path differs from the parser for template "${TEMPLATES[message.templateIndex]!.name}":\n${detail}`,
  );
}

function markerPositions(markers: readonly Marker[], wanted: number): Map<number, string> {
  const words = markers.flatMap((m) => Array.from({ length: m.count }, () => m.word));
  const positions = new Map<number, string>();
  words.forEach((word, k) => {
    const at = Math.floor(((k + 0.5) * wanted) / words.length);
    if (at < wanted) positions.set(at, word);
  });
  return positions;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      count: { type: 'string' },
      verify: { type: 'string', default: '200' },
      batch: { type: 'boolean', default: false },
    },
  });
  if (!values.db || !values.count) {
    process.stderr.write(
      'usage: npx tsx bench/seed.ts --db PATH|postgres://URL --count N [--verify SAMPLE] [--batch]\n',
    );
    process.exitCode = 2;
    return;
  }
  const result = await seedDatabase({
    path: values.db,
    total: Number(values.count),
    verifySample: Number(values.verify),
    writer: values.batch ? 'batch' : 'store',
    onProgress: (done, wanted, rate) =>
      process.stderr.write(`seeded ${done}/${wanted} (${Math.round(rate)}/s)\n`),
  });
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
