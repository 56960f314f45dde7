import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectStoredIntact, messageTotal, saveFailingInput } from './check.js';
import { base64Zeros, HOSTILE_CASES } from './mime-cases.js';
import { randomMessage } from './mime-random.js';
import { MB, megabytes, ProcessMonitor, STALL_LIMIT_MS } from './monitor.js';
import { fuzzSeed, printSeedOnFailure, Random } from './random.js';
import { dataPayload, expectCode, openSession, queuedId, sendRaw } from './wire.js';

// Hostile MIME over real SMTP into a real Sluice (in this process). For every input: the
// DATA reply is 250 (552 past the size limit) within a deadline, the event loop is never
// blocked for STALL_LIMIT_MS, the stored raw bytes equal what was sent, the API answers for
// it (detail, raw, headers, HTML, parts), and memory stays within a bound. A failing input
// is saved under test-output/fuzz/; once understood it becomes a fixture in
// test/fixtures/regressions/, replayed by regressions.test.ts.

const seed = fuzzSeed();
printSeedOnFailure(seed);
const random = new Random(seed);

const RANDOM_MESSAGES = 200;
/** The default --max-message-size, which this server keeps. */
const SIZE_LIMIT = 50 * MB;

describe('MIME fuzzing over SMTP', () => {
  let sluice: TestSluice;
  let monitor: ProcessMonitor;
  let accepted = 0;

  beforeAll(async () => {
    sluice = await startSluice();
    monitor = new ProcessMonitor();
  });
  afterAll(async () => {
    monitor?.stop();
    await sluice?.close();
  });

  /** Sends `raw`, expects 250, checks the stored copy and that nothing blocked the loop. */
  async function deliver(raw: Buffer, label: string): Promise<void> {
    try {
      await deliverOnce(raw, label);
    } catch (error) {
      console.error(`${label}: input saved as ${saveFailingInput(`${seed}-${label}`, raw)}`);
      throw error;
    }
  }

  async function deliverOnce(raw: Buffer, label: string): Promise<void> {
    monitor.resetStall();
    const reply = await sendRaw(sluice.smtpPort, raw);
    expect(reply.code, `${label}: ${reply.text}`).toBe(250);
    accepted++;
    await expectStoredIntact(sluice, reply.id!, raw, label);
    expect(monitor.longestStallMs, `${label}: longest event-loop stall (ms)`).toBeLessThan(
      STALL_LIMIT_MS,
    );
  }

  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('%s', async (name, hostile) => {
    await deliver(hostile.build(random.fork(name)), name);
  });

  // The deadline only stops a hung run: 200 deliveries take 10 s on a quiet machine and
  // passed 60 s in a full run on a machine shared with five others (load 28).
  it(`survives ${RANDOM_MESSAGES} random and mutated MIME messages`, async () => {
    const generator = random.fork('random messages');
    for (let i = 0; i < RANDOM_MESSAGES; i++) {
      await deliver(randomMessage(generator), `random message #${i}`);
    }
  }, 240_000);

  it('stays bounded while the lists of all those messages are read', async () => {
    // Memory while everything above ran. The largest input so far is about 1.1 MB and only
    // one message is in flight at a time; the server holds a few copies of it (the DATA
    // chunks, mailparser's decoded parts, the detail JSON, SQLite's bind) and this process
    // holds the test's own. Two JS heaps grow lazily here, the SMTP/HTTP thread's and the
    // store's thread's (and, under the test runner, tsx's loader thread). Measured: 230-330 MB
    // over the start, most of it heaps growing and SQLite's page cache. 400 MB still fails
    // a server that blows a hostile 1 MB input up by orders of magnitude (say, a copy of the
    // body per nesting level of the 1,000-deep multipart), which is the failure this looks for.
    expect(
      monitor.peakRss - monitor.startRss,
      `peak ${megabytes(monitor.peakRss)}, start ${megabytes(monitor.startRss)}`,
    ).toBeLessThan(400 * MB);
    expect(await messageTotal(sluice)).toBe(accepted);
    let cursor: number | null = null;
    let seen = 0;
    do {
      const page: { messages: unknown[]; nextCursor: number | null } = await sluice.getJson(
        `/api/messages?limit=100${cursor ? `&before=${cursor}` : ''}`,
      );
      seen += page.messages.length;
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toBe(accepted);
    expect((await sluice.api('/api/search?query=leaf')).status).toBe(200);
    expect((await sluice.api('/api/search?query=%3D%3Futf-8%3FB%3F')).status).toBe(200);
  });

  it('takes base64 zeros up to the size limit with bounded memory', async () => {
    // "Base64 that decodes to gigabytes of zeros" cannot reach an SMTP server: base64 has
    // no compression (4 bytes on the wire for 3 decoded), and the SIZE limit caps the wire
    // bytes. The worst real case is therefore a message as large as the limit that is all
    // base64 "A"s: it decodes to 3/4 of the limit (37.5 MB) of zeros. Zip bombs inside an
    // attachment are never expanded by Sluice, so they are only bytes.
    const { raw, zeros } = base64Zeros(SIZE_LIMIT);
    const payload = dataPayload(raw);
    const client = await openSession(sluice.smtpPort);
    await expectCode(client, 'MAIL FROM:<zeros@sender.test>', 250);
    await expectCode(client, 'RCPT TO:<zeros@rcpt.test>', 250);
    await expectCode(client, 'DATA', 354);
    const before = monitor.resetPeak();
    client.write(payload);
    const reply = await client.reply(60_000);
    const growth = monitor.peakRss - before;
    client.destroy();
    expect(reply.code, reply.text).toBe(250);
    accepted++;
    // Only the server allocates between resetPeak() and the reply: it holds the DATA
    // chunks and their join (2 x 50 MB), mailparser's parse (measured ~285 MB peak for
    // this input: it buffers every decoded attachment and copies of its stream chunks)
    // and SQLite's copy of the blob (50 MB). Measured ~350-430 MB, 7-9x the message,
    // which misses issue 5's target of 2x (reported). The bound, 12x the limit, guards
    // against anything worse: a decode that amplifies (say, the zeros kept as text or
    // once per line), or a second full copy per stage.
    expect(growth, `grew ${megabytes(growth)} from ${megabytes(before)}`).toBeLessThan(
      12 * SIZE_LIMIT,
    );
    await expectStoredIntact(sluice, queuedId(reply.text)!, raw, 'base64 zeros');
    const detail = await sluice.getJson<{ parts: Array<{ size: number }> }>(
      `/api/messages/${queuedId(reply.text)}`,
    );
    expect(detail.parts[0]?.size).toBe(zeros);
  }, 90_000);

  it('answers 552 to a message one line past the size limit and stores nothing', async () => {
    const before = await messageTotal(sluice);
    const reply = await sendRaw(sluice.smtpPort, base64Zeros(SIZE_LIMIT + 200).raw, {
      deadlineMs: 60_000,
    });
    expect(reply.code, reply.text).toBe(552);
    expect(await messageTotal(sluice)).toBe(before);
    expect((await sluice.api('/api/health')).status).toBe(200);
  }, 90_000);
});
