import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithCorpus, emlFiles } from '../helpers/corpus.js';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import {
  createRawTransport,
  hasOnlyCrlfLineEnds,
  queuedId,
  RawSender,
  sendWithNodemailer,
  storedBytes,
} from '../mail/smtp-send.js';

const CONCURRENCY = 4;
/** Reading all 560 back takes seconds; on a machine loaded by other work, more than 30. */
const READ_ALL_TIMEOUT_MS = 120_000;
const ENVELOPE = { from: 'corpus@sender.test', to: ['inbox@corpus.test'] };

interface CorpusFile {
  readonly name: string;
  readonly bytes: Buffer;
}

interface Detail {
  readonly id: number;
  readonly date: string | null;
  readonly html: string | null;
  readonly parts: readonly { partId: string }[];
}

interface Sent {
  readonly file: CorpusFile;
  readonly reply: string;
  readonly id: number | null;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Runs `work` over `items` with at most `limit` at a time; each worker keeps its own state. */
async function inParallel<T, S>(
  items: readonly T[],
  limit: number,
  open: () => Promise<S>,
  work: (item: T, state: S) => Promise<S>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      let state = await open();
      while (next < items.length) state = await work(items[next++]!, state);
    }),
  );
}

// Every corpus message through the whole capture path: SMTP DATA, mailparser, the store, API.
describeWithCorpus('the real-world corpus', (corpus) => {
  describe.each(ENGINES)('$name', (engine) => corpusSuite(corpus, engine));
});

function corpusSuite(corpus: string, engine: (typeof ENGINES)[number]): void {
  let sluice: TestSluice;
  let database: EngineDatabase;
  const files = emlFiles(corpus, { recursive: true }).map((path) => ({
    name: relative(corpus, path),
    bytes: readFileSync(path),
  }));
  const sent: Sent[] = [];
  const startedAt = Date.now();

  beforeAll(async () => {
    if (engine.skip) return;
    database = await engine.create();
    sluice = await startSluice(['--max-messages', '0'], { database });
    // CRLF-only files go through nodemailer (a real sender, pooled); the rest over raw
    // connections, since nodemailer would rewrite their bare CR/LF (see smtp-send.ts).
    const transport = createRawTransport(sluice.smtpPort, true);
    try {
      await inParallel(
        files,
        CONCURRENCY,
        () => RawSender.open(sluice.smtpPort),
        async (file, sender) => {
          try {
            const reply = hasOnlyCrlfLineEnds(file.bytes)
              ? await sendWithNodemailer(transport, ENVELOPE, file.bytes)
              : (await sender.send(ENVELOPE, file.bytes)).text;
            sent.push({ file, reply, id: reply.startsWith('250 ') ? queuedId(reply) : null });
            return sender;
          } catch (error) {
            sent.push({ file, reply: `send failed: ${(error as Error).message}`, id: null });
            sender.close();
            return RawSender.open(sluice.smtpPort);
          }
        },
      );
    } finally {
      transport.close();
    }
  }, 120_000);
  afterAll(async () => {
    await sluice?.close();
    await database?.drop();
  });

  it.skipIf(engine.skip)('has the 560 files the manifest lists', () => {
    expect(files).toHaveLength(560);
  });

  it.skipIf(engine.skip)('answers 250 to every message', () => {
    const refused = sent.filter((s) => s.id === null).map((s) => `${s.file.name}: ${s.reply}`);
    expect(refused).toEqual([]);
    expect(sent).toHaveLength(files.length);
  });

  it.skipIf(engine.skip)(
    'keeps every message byte for byte',
    async () => {
      const different: string[] = [];
      await inParallel(
        sent.filter((s) => s.id !== null),
        CONCURRENCY,
        async () => null,
        async ({ file, id }) => {
          const response = await sluice.api(`/api/messages/${id}/raw`);
          const stored = new Uint8Array(await response.arrayBuffer());
          if (response.status !== 200 || sha256(stored) !== sha256(storedBytes(file.bytes))) {
            different.push(`${file.name}: ${response.status}, ${stored.length} bytes`);
          }
          return null;
        },
      );
      expect(different).toEqual([]);
    },
    READ_ALL_TIMEOUT_MS,
  );

  it.skipIf(engine.skip)(
    'shows every message, its HTML and its first and last part',
    async () => {
      const broken: string[] = [];
      await inParallel(
        sent.filter((s) => s.id !== null),
        CONCURRENCY,
        async () => null,
        async ({ file, id }) => {
          const response = await sluice.api(`/api/messages/${id}`);
          const detail = (await response.json()) as Detail;
          if (response.status !== 200 || detail.id !== id) {
            broken.push(`${file.name}: detail ${response.status}`);
            return null;
          }
          // A date inside this run can only be the time of parsing standing in for a bad Date.
          const date = detail.date === null ? NaN : Date.parse(detail.date);
          if (date >= startedAt && date <= Date.now())
            broken.push(`${file.name}: made-up date ${detail.date}`);
          // Each part is read by parsing the message again; the ends cover the numbering.
          const parts =
            detail.parts.length > 1 ? [detail.parts[0]!, detail.parts.at(-1)!] : detail.parts;
          const urls = parts.map((part) => `/api/messages/${id}/parts/${part.partId}`);
          if (detail.html !== null) urls.push(`/api/messages/${id}/html`);
          for (const url of urls) {
            const part = await sluice.api(url);
            await part.arrayBuffer();
            if (part.status !== 200) broken.push(`${file.name}: ${url} ${part.status}`);
          }
          return null;
        },
      );
      expect(broken).toEqual([]);
    },
    READ_ALL_TIMEOUT_MS,
  );

  it.skipIf(engine.skip)('counts all of them', async () => {
    const list = await sluice.getJson('/api/messages?limit=1');
    expect(list.total).toBe(files.length);
  });
}
