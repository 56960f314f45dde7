import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { EngineStore } from '../../src/store/open-store.js';
import { parseSearchQuery } from '../../src/store/search-query.js';
import type { NewMessage, StoreEvent } from '../../src/store/types.js';
import { openPostgresStore as open, postgres, type EngineDatabase } from '../helpers/engines.js';
import { clusterQuery, createTestDatabase } from '../helpers/postgres.js';
const databaseName = (url: string) => new URL(url).pathname.slice(1);

/** Events cross instances through the database: a busy machine can take a while. */
const SETTLE = { timeout: 20_000, interval: 20 };

// Several instances on one PostgreSQL database are one mailbox: what one stores, marks or
// deletes, the others announce as their own events; ids become visible in order; outbox
// claims never overlap, and a lease that runs out is taken over. (SQLite has one process.)

const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

async function message(subject: string): Promise<NewMessage> {
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\nBody of ${subject}.\r\n`,
  );
  return {
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
    client: CLIENT,
  };
}

function record(store: EngineStore): StoreEvent[] {
  const events: StoreEvent[] = [];
  store.subscribe((event) => events.push(event));
  return events;
}

const storedIds = (events: StoreEvent[]) =>
  events.flatMap((e) => (e.type === 'stored' ? [e.message.id] : []));

describe.skipIf(postgres.skip)('several instances on one PostgreSQL database', () => {
  let database: EngineDatabase;
  let a: EngineStore;
  let b: EngineStore;
  let c: EngineStore;

  beforeAll(async () => {
    database = await postgres.create();
    // Three at once on an empty database: one migrates, the others wait and find it done.
    [a, b, c] = await Promise.all([database.open(), database.open(), database.open()]);
  });
  afterAll(async () => {
    await Promise.all([a, b, c].map((s) => s?.close()));
    await database?.drop();
  });

  it('announces what one instance stores, marks and deletes on the others', async () => {
    const onB = record(b);
    const stored = await Promise.all(
      ['one', 'two', 'three'].map(async (s) => a.addMessage(await message(s))),
    );
    const ids = stored.map((s) => s.id);
    await vi.waitFor(() => expect(storedIds(onB)).toEqual(ids), SETTLE);
    const seen = onB.find((e) => e.type === 'stored' && e.message.id === ids[0]);
    expect(seen).toEqual({ type: 'stored', message: stored[0] });

    expect(await a.setRead({ ids: [ids[0]!] }, true)).toBe(1);
    expect(await a.deleteMessages({ query: parseSearchQuery('subject:two') })).toBe(1);
    await vi.waitFor(
      () =>
        expect(onB.filter((e) => e.type !== 'stored')).toEqual([
          { type: 'read', ids: [ids[0]], read: true },
          { type: 'deleted', ids: [ids[1]] },
        ]),
      SETTLE,
    );
    expect((await b.listMessages({ limit: 10 })).messages.map((m) => m.id)).toEqual([
      ids[2],
      ids[0],
    ]);
    expect(await b.stats()).toMatchObject({ total: 2, unread: 1 });

    const onA = record(a);
    expect(await b.deleteMessages({ all: true })).toBe(2);
    await vi.waitFor(() => expect(onA).toEqual([{ type: 'deleted', ids: 'all' }]), SETTLE);
  });

  it('announces every message on every instance in id order, its own and the others', async () => {
    const [onA, onB, onC] = [record(a), record(b), record(c)];
    const before = (await c.stats()).total;
    const added = await Promise.all(
      Array.from({ length: 120 }, async (_, i) =>
        (i % 2 ? a : b).addMessage(await message(`race ${i}`)),
      ),
    );
    const ids = added.map((s) => s.id).sort((x, y) => x - y);
    for (const events of [onA, onB, onC]) {
      await vi.waitFor(() => expect(storedIds(events)).toHaveLength(120), SETTLE);
    }
    // Commit order is id order, and each instance announces in it: an event stream that
    // has sent N (and drops anything at or below it) misses nothing, nor does a resume.
    for (const events of [onA, onB, onC]) expect(storedIds(events)).toEqual(ids);
    expect((await c.stats()).total).toBe(before + 120);
    const after = await c.listMessagesAfter(ids[59]!, 500);
    expect(after.map((m) => m.id)).toEqual(ids.slice(60));
  });

  it('lets one instance claim an outbox entry at a time, and another take it over after its lease', async () => {
    const target = (await a.addMessage(await message('relay me'))).id;
    const onB = record(b);
    const entries = await a.addOutboxEntries(
      Array.from({ length: 30 }, (_, i) => ({
        messageId: target,
        recipient: `r${i}@example.com`,
        originalRecipient: `r${i}@example.com`,
        upstream: 'up',
        reason: 'test',
        state: 'queued' as const,
      })),
    );
    await vi.waitFor(() => expect(onB.some((e) => e.type === 'outbox')).toBe(true), SETTLE);
    const now = new Date();
    const claims = await Promise.all(
      [a, b, c, a, b, c].map((s) => s.claimDueOutbox(now, 7, 60_000)),
    );
    const claimed = claims.flat().map((e) => e.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort((x, y) => x - y)).toEqual(entries.map((e) => e.id));

    // Nothing is due again until the leases run out...
    expect(await b.claimDueOutbox(new Date(now.getTime() + 59_000), 100, 60_000)).toEqual([]);
    expect(await b.nextOutboxDue()).toEqual(new Date(now.getTime() + 60_000));
    // ...when the instances that claimed them died: another takes them over.
    const later = new Date(now.getTime() + 61_000);
    const takenOver = await b.claimDueOutbox(later, 100, 60_000);
    expect(takenOver.map((e) => e.id).sort((x, y) => x - y)).toEqual(entries.map((e) => e.id));
    expect(takenOver.every((e) => e.state === 'sending')).toBe(true);

    const done = await b.recordOutboxAttempts(
      takenOver.map((e) => ({ id: e.id, outcome: 'sent', reply: '250 ok', retryAt: null })),
    );
    expect(done.every((e) => e.state === 'sent' && e.attempts === 1)).toBe(true);
    expect(await c.claimDueOutbox(new Date(later.getTime() + 3_600_000), 100, 60_000)).toEqual([]);
  });

  it('renews only the leases an instance still holds, and keeps a late result from overwriting a taken-over entry', async () => {
    const target = (await a.addMessage(await message('taken over'))).id;
    const [entry] = await a.addOutboxEntries([
      {
        messageId: target,
        recipient: 'slow@example.com',
        originalRecipient: 'slow@example.com',
        upstream: 'up',
        reason: 'test',
        state: 'queued',
      },
    ]);
    const now = Date.now();
    expect(await a.claimDueOutbox(new Date(now), 1, 60_000)).toHaveLength(1);
    // A heartbeat in time keeps it: another instance finds nothing due when the lease would have ended.
    expect(await a.renewOutboxLeases([entry!.id], new Date(now + 30_000), 60_000)).toEqual([
      entry!.id,
    ]);
    expect(await b.claimDueOutbox(new Date(now + 61_000), 1, 60_000)).toEqual([]);
    // Its heartbeat stopped (a frozen instance): the lease runs out and b takes it over.
    const [taken] = await b.claimDueOutbox(new Date(now + 91_000), 1, 60_000);
    expect(taken?.id).toBe(entry!.id);
    expect(await a.renewOutboxLeases([entry!.id], new Date(now + 92_000), 60_000)).toEqual([]);
    // a's late failure is history; the entry stays with b, whose result stands.
    expect(
      await a.recordOutboxAttempts([
        { id: entry!.id, outcome: 'transient', reply: '451 late', retryAt: new Date(now) },
      ]),
    ).toEqual([]);
    expect(await c.getOutboxEntry(entry!.id)).toMatchObject({ state: 'sending', attempts: 0 });
    const [sent] = await b.recordOutboxAttempts([
      { id: entry!.id, outcome: 'sent', reply: '250 ok', retryAt: null },
    ]);
    expect(sent).toMatchObject({ state: 'sent', attempts: 1 });
    const history = await c.getOutboxHistory(target);
    expect(history.attempts.map((x) => x.reply)).toEqual(['451 late', '250 ok']);
  });

  it('gives a webhook to one instance at a time, and to another once its lease runs out', async () => {
    await a.openWebhookCursor('shared-hook');
    const first = await a.claimWebhookCursor('shared-hook', 60_000);
    expect(first.held).toBe(true);
    const refused = await b.claimWebhookCursor('shared-hook', 60_000);
    expect(refused.held).toBe(false);
    expect(!refused.held && refused.until.getTime()).toBeGreaterThan(Date.now());
    expect(await a.renewWebhookLease('shared-hook', 60_000)).toBe(true);
    // a gives the turn back: b may take it at once.
    await a.releaseWebhookCursor('shared-hook');
    expect((await b.claimWebhookCursor('shared-hook', 1)).held).toBe(true);
    // b stops renewing (it died): its lease of 1 ms runs out and c takes over.
    await vi.waitFor(
      async () => expect((await c.claimWebhookCursor('shared-hook', 60_000)).held).toBe(true),
      SETTLE,
    );
    expect(await b.renewWebhookLease('shared-hook', 60_000)).toBe(false);
    // b's late failure is history; the cursor is c's to move.
    const target = (await b.addMessage(await message('late hook'))).id;
    const late = await b.recordWebhookAttempt({
      webhook: 'shared-hook',
      messageId: target,
      outcome: 'failed',
      status: 503,
      reply: 'no',
      durationMs: 1,
      retryAt: new Date(Date.now() + 60_000),
    });
    expect(late.retryMessageId).toBeNull();
    const page = await c.listWebhookAttempts('shared-hook', { limit: 10 });
    expect(page.attempts.map((x) => x.reply)).toEqual(['no']);
  });

  it('gives back expired leases to the queue', async () => {
    const target = (await a.addMessage(await message('lease'))).id;
    const [entry] = await a.addOutboxEntries([
      {
        messageId: target,
        recipient: 'x@example.com',
        originalRecipient: 'x@example.com',
        upstream: 'up',
        reason: 'test',
        state: 'queued',
      },
    ]);
    const now = Date.now();
    await a.claimDueOutbox(new Date(now), 1, 1);
    await vi.waitFor(async () => expect(await b.requeueExpiredLeases(new Date())).toBe(1), SETTLE);
    expect((await c.getOutboxEntry(entry!.id)).state).toBe('queued');
  });
});

describe.skipIf(postgres.skip)('an instance whose LISTEN connection was cut', () => {
  it('announces, once it is back, what was stored meanwhile, in order', async () => {
    const database = await createTestDatabase();
    const [writer, listener] = await Promise.all([open(database.url), open(database.url)]);
    try {
      const heard = record(listener);
      const first = await writer.addMessage(await message('before the cut'));
      await vi.waitFor(() => expect(storedIds(heard)).toEqual([first.id]), SETTLE);
      // No new connection may open while the listening ones are cut: the notices of what
      // is stored meanwhile reach nobody, and only the catch-up can find it.
      const name = databaseName(database.url);
      await clusterQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await clusterQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND query ILIKE 'listen%'`,
      );
      const missed: number[] = [];
      for (const subject of ['during the cut 1', 'during the cut 2']) {
        missed.push((await writer.addMessage(await message(subject))).id);
      }
      await clusterQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await vi.waitFor(() => expect(storedIds(heard)).toEqual([first.id, ...missed]), SETTLE);
      const after = await writer.addMessage(await message('after the cut'));
      await vi.waitFor(
        () => expect(storedIds(heard)).toEqual([first.id, ...missed, after.id]),
        SETTLE,
      );
    } finally {
      await Promise.all([writer.close(), listener.close()]);
      await database.drop();
    }
  });
});

describe.skipIf(postgres.skip)('tenants on one PostgreSQL database', () => {
  let database: EngineDatabase;
  afterAll(() => database?.drop());

  it('keeps each tenant apart: messages, counts and events', async () => {
    database = await postgres.create();
    const { openStore } = await import('../../src/store/open-store.js');
    const open = (tenant: string) =>
      openStore({ engine: 'postgres', url: database.db, tenant, maxMessages: 0, maxAgeMs: 0 });
    const [red, blue, redAgain] = await Promise.all([
      open('Red Team'),
      open('blue'),
      open('red team'),
    ]);
    try {
      const onBlue = record(blue);
      const onRedAgain = record(redAgain);
      const stored = await red.addMessage(await message('for red'));
      await vi.waitFor(() => expect(storedIds(onRedAgain)).toEqual([stored.id]), SETTLE);
      expect(await blue.stats()).toMatchObject({ total: 0 });
      expect((await blue.addMessage(await message('for blue'))).id).toBe(1);
      expect(storedIds(onBlue)).toEqual([1]);
      expect(await red.stats()).toMatchObject({ total: 1 });
      expect(
        await database.count('information_schema.schemata', "schema_name LIKE 'sluice_%'"),
      ).toBe(2);
    } finally {
      await Promise.all([red.close(), blue.close(), redAgain.close()]);
    }
  });
});
