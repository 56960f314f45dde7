import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { messageTotal } from '../fuzz/check.js';
import { expectStillServing } from '../fuzz/normal-client.js';
import { fuzzSeed, printSeedOnFailure, Random } from '../fuzz/random.js';
import { isOpen, regressionFixture } from '../fuzz/regressions.js';
import { sendRaw } from '../fuzz/wire.js';
import { createIngestLog, ingest, type IngestLog } from './ingest.js';

// Disk full, as a size-limited database (--max-db-size, SQLite's max_page_count): SMTP
// answers 452 instead of 250, nothing acknowledged is lost, and capture resumes once
// messages are deleted. The same on a real full filesystem is in disk-full-tmpfs.test.ts.

const seed = fuzzSeed();
printSeedOnFailure(seed);
const random = new Random(seed);

const BUDGET = 2 * 1024 * 1024;

/** Every acknowledged message is stored byte for byte, and nothing else is. */
async function expectAcknowledgedIntact(sluice: TestSluice, log: IngestLog): Promise<void> {
  for (const [id, sent] of log.acknowledged) {
    const response = await sluice.api(`/api/messages/${id}/raw`);
    expect(response.status, `acknowledged message ${id}`).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(sent), `message ${id}`).toBe(true);
  }
}

describe('--max-db-size: a database with a size budget', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-db-size', '2MB']);
  });
  afterAll(() => sluice?.close());
  // Each test fills the budget from an empty mailbox, whichever ran before it.
  beforeEach(() => sluice.app.store.deleteMessages({ all: true }));

  /** About 50 messages of 0-60 KB fill 2 MB; 120 from three concurrent clients overfill it. */
  async function fill(label: string): Promise<IngestLog> {
    const log = createIngestLog();
    await ingest({
      port: sluice.smtpPort,
      clients: 3,
      label,
      random: random.fork(label),
      log,
      maxBody: 60 * 1024,
      limit: 120,
    });
    return log;
  }

  it('answers 452 instead of 250 when the budget is used, losing nothing acknowledged', async () => {
    const log = await fill('fill');
    expect(log.refused.get(452), 'refusals with 452').toBeGreaterThan(0);
    expect([...log.refused.keys()], 'no other refusal than 452').toEqual([452]);
    expect(log.acknowledged.size).toBeGreaterThan(10);
    await expectAcknowledgedIntact(sluice, log);
    // A refused message was not stored: the mailbox holds exactly the acknowledged ones.
    expect(await messageTotal(sluice)).toBe(log.acknowledged.size);
    const info = await sluice.getJson<{ database: { bytes: number } }>('/api/info');
    expect(info.database.bytes).toBeLessThanOrEqual(BUDGET);
    expect((await sluice.api('/api/health')).status).toBe(200);
  });

  it('takes mail again once messages are deleted through the API', async () => {
    const log = await fill('fill before deleting');
    expect(log.refused.get(452), 'refusals with 452').toBeGreaterThan(0);
    const deleted = await sluice.api('/api/messages/delete', { json: { all: true } });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ deleted: log.acknowledged.size });
    // SQLite keeps the freed pages in its freelist and reuses them for new rows.
    const again = createIngestLog();
    await ingest({
      port: sluice.smtpPort,
      clients: 2,
      label: 'again',
      random: random.fork('again'),
      log: again,
      maxBody: 60 * 1024,
      limit: 10,
    });
    expect(again.refused.size).toBe(0);
    expect(again.acknowledged.size).toBe(10);
    await expectAcknowledgedIntact(sluice, again);
    await expectStillServing(sluice);
  });
});

/**
 * The fixture with every body word replaced by a random one of the same length: the same
 * shape and size, new text. (Copies of one text share their search-index entries, and
 * deleting those fits; the bug needs messages with different words, as real mail has.)
 */
function textHeavyVariant(fixture: Buffer, generator: Random): Buffer {
  const text = fixture.toString('latin1');
  const split = text.indexOf('\r\n\r\n') + 4;
  const body = text.slice(split).replace(/[A-Za-z0-9]+/g, (word) => generator.word(word.length));
  return Buffer.from(text.slice(0, split) + body, 'latin1');
}

describe('--max-db-size full of text-heavy messages', () => {
  let sluice: TestSluice;
  const fixture = regressionFixture('disk-full-text-heavy.eml');
  // A database of its own for each test: one that an earlier test filled may be one that
  // cannot be emptied again (the open bug below).
  beforeEach(async () => {
    sluice = await startSluice(['--max-db-size', '2MB']);
  });
  afterEach(() => sluice?.close());

  /** Sends variants until the budget refuses one (452); returns those acknowledged. */
  async function fillUntilFull(label: string): Promise<Map<number, Buffer>> {
    const acknowledged = new Map<number, Buffer>();
    const generator = random.fork(label);
    for (let attempt = 0; attempt < 500; attempt++) {
      const variant = textHeavyVariant(fixture, generator);
      const reply = await sendRaw(sluice.smtpPort, variant);
      if (reply.code !== 250) {
        expect(reply.code, reply.text).toBe(452);
        return acknowledged;
      }
      acknowledged.set(reply.id!, variant);
    }
    throw new Error('500 messages did not fill a 2 MB budget');
  }

  it('answers 452 when full, losing nothing acknowledged', async () => {
    const acknowledged = await fillUntilFull('text-heavy');
    expect(acknowledged.size).toBeGreaterThan(5);
    expect(await messageTotal(sluice)).toBe(acknowledged.size);
    for (const [id, sent] of acknowledged) {
      const stored = Buffer.from(await (await sluice.api(`/api/messages/${id}/raw`)).arrayBuffer());
      expect(stored.equals(sent), `message ${id}`).toBe(true);
    }
  });

  // Open bug (test/fixtures/regressions/regressions.json): deleting from the trigram
  // index needs new pages, which the full budget refuses, so the delete itself fails.
  const test = isOpen('disk-full-text-heavy.eml') ? it.fails : it;
  test('takes mail again once messages are deleted through the API', async () => {
    await fillUntilFull('text-heavy before deleting');
    const deleted = await sluice.api('/api/messages/delete', { json: { all: true } });
    expect(deleted.status, await deleted.clone().text()).toBe(200);
    const again = textHeavyVariant(fixture, random.fork('text-heavy again'));
    expect((await sendRaw(sluice.smtpPort, again)).code).toBe(250);
  });

  it('answers a delete it cannot do with a JSON error, and the API keeps answering', async () => {
    await fillUntilFull('text-heavy before a delete');
    const response = await sluice.api('/api/messages/delete', { json: { all: true } });
    const body = (await response.json()) as { deleted?: number; error?: { code: string } };
    if (response.status === 200) expect(typeof body.deleted).toBe('number');
    else {
      expect(response.status).toBe(507);
      expect(body.error?.code).toBe('storage_full');
    }
    expect((await sluice.api('/api/messages?limit=1')).status).toBe(200);
    expect((await sluice.api('/api/health')).status).toBe(200);
  });
});
