import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { EngineStore } from '../../src/store/open-store.js';
import type { NewOutboxEntry, OutboxEntry } from '../../src/store/types.js';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';

// The relay outbox as every engine keeps it: entries claimed under a lease, attempts
// recorded, people's changes, and what happens to a lease whose sender went away.

const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };
const LEASE = 60_000;

const entry = (messageId: number, recipient: string, state: 'held' | 'queued'): NewOutboxEntry => ({
  messageId,
  recipient,
  originalRecipient: recipient,
  upstream: 'up',
  reason: 'test rule',
  state,
});

const ids = (entries: readonly OutboxEntry[]) => entries.map((e) => e.id);
const at = (ms: number) => new Date(ms);

describe.each(ENGINES)('the outbox ($name)', (engine) => {
  let database: EngineDatabase;
  let store: EngineStore;
  let message: number;

  beforeAll(async () => {
    if (engine.skip) return;
    database = await engine.create();
    store = await database.open();
    const raw = Buffer.from('From: a@example.com\r\nSubject: relayed\r\n\r\nHello.\r\n');
    const stored = await store.addMessage({
      raw,
      parsed: await parseMessage(raw),
      envelope: { mailFrom: 'a@example.com', rcptTo: ['x@relay.test'] },
      client: CLIENT,
    });
    message = stored.id;
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it.skipIf(engine.skip)(
    'claims due queued entries under a lease, and again once it runs out',
    async () => {
      const [held, queued] = await store.addOutboxEntries([
        entry(message, 'held@relay.test', 'held'),
        entry(message, 'queued@relay.test', 'queued'),
      ]);
      expect(held).toMatchObject({
        state: 'held',
        queuedAt: null,
        nextAttemptAt: null,
        attempts: 0,
      });
      expect(queued).toMatchObject({ state: 'queued', attempts: 0 });
      const now = Date.parse(queued!.nextAttemptAt!) + 1;

      const claimed = await store.claimDueOutbox(at(now), 10, LEASE);
      expect(ids(claimed)).toEqual([queued!.id]);
      expect(claimed[0]).toMatchObject({
        state: 'sending',
        nextAttemptAt: at(now + LEASE).toISOString(),
      });
      // The lease holds: nothing is due until it ends, which is when the worker looks again.
      expect(await store.claimDueOutbox(at(now + LEASE - 1), 10, LEASE)).toEqual([]);
      expect(await store.nextOutboxDue()).toEqual(at(now + LEASE));
      // Its sender never reported back: whoever looks next takes it over.
      const again = await store.claimDueOutbox(at(now + LEASE), 10, LEASE);
      expect(ids(again)).toEqual([queued!.id]);
      expect(again[0]!.nextAttemptAt).toBe(at(now + 2 * LEASE).toISOString());

      const [sent] = await store.recordOutboxAttempts([
        { id: queued!.id, outcome: 'sent', reply: '250 accepted', retryAt: null },
      ]);
      expect(sent).toMatchObject({
        state: 'sent',
        attempts: 1,
        lastReply: '250 accepted',
        nextAttemptAt: null,
      });
      expect(await store.claimDueOutbox(at(now + 10 * LEASE), 10, LEASE)).toEqual([]);
      expect(await store.nextOutboxDue()).toBeNull();

      // A person approves the held one; it is claimed like any other.
      const approved = await store.changeOutboxState({
        messageIds: [message],
        from: ['held'],
        to: 'queued',
      });
      expect(ids(approved)).toEqual([held!.id]);
      const later = Date.parse(approved[0]!.nextAttemptAt!) + 1;
      expect(ids(await store.claimDueOutbox(at(later), 10, LEASE))).toEqual([held!.id]);
    },
  );

  it.skipIf(engine.skip)(
    'records transient and permanent failures, and every attempt',
    async () => {
      const [retried, refused] = await store.addOutboxEntries([
        entry(message, 'retry@relay.test', 'queued'),
        entry(message, 'refused@relay.test', 'queued'),
      ]);
      const now = Date.parse(refused!.nextAttemptAt!) + 1;
      const claimed = await store.claimDueOutbox(at(now), 2, LEASE);
      expect(ids(claimed).sort()).toEqual([retried!.id, refused!.id].sort());
      const retryAt = at(now + 5000);
      const recorded = await store.recordOutboxAttempts([
        { id: retried!.id, outcome: 'transient', reply: '451 later', retryAt },
        { id: refused!.id, outcome: 'permanent', reply: '550 no such user', retryAt: null },
      ]);
      expect(recorded).toMatchObject([
        { id: retried!.id, state: 'queued', attempts: 1, nextAttemptAt: retryAt.toISOString() },
        { id: refused!.id, state: 'failed', attempts: 1, lastReply: '550 no such user' },
      ]);
      expect(await store.claimDueOutbox(at(now + 4999), 10, LEASE)).toEqual([]);
      expect(ids(await store.claimDueOutbox(retryAt, 10, LEASE))).toEqual([retried!.id]);

      const history = await store.getOutboxHistory(message);
      const attempts = history.attempts.filter((a) =>
        [retried!.id, refused!.id].includes(a.outboxId),
      );
      expect(attempts.map((a) => [a.outboxId, a.outcome, a.reply])).toEqual([
        [retried!.id, 'transient', '451 later'],
        [refused!.id, 'permanent', '550 no such user'],
      ]);
      expect((await store.getOutboxEntry(refused!.id)).state).toBe('failed');
      const failed = await store.listOutbox({ limit: 10, states: ['failed'] });
      expect(ids(failed.entries)).toEqual([refused!.id]);
    },
  );

  it.skipIf(engine.skip)(
    'gives run-out leases back to the queue; a restart treats them by engine',
    async () => {
      const [lost] = await store.addOutboxEntries([entry(message, 'lost@relay.test', 'queued')]);
      const state = async () => (await store.getOutboxEntry(lost!.id)).state;
      const now = Date.now() + 1000;
      expect(ids(await store.claimDueOutbox(at(now), 100, LEASE))).toContain(lost!.id);
      await store.requeueExpiredLeases(at(now + LEASE - 1));
      expect(await state()).toBe('sending');

      await store.close();
      store = await database.open();
      await store.requeueExpiredLeases(at(now));
      if (engine.name === 'sqlite') {
        // One process owns the file: what it was sending when it stopped goes again at once.
        expect(await state()).toBe('queued');
      } else {
        // Another instance may still be sending it: it waits for its lease to run out.
        expect(await state()).toBe('sending');
        await store.requeueExpiredLeases(at(now + LEASE));
        expect(await state()).toBe('queued');
      }
    },
  );

  it.skipIf(engine.skip)('records who let an entry leave and who stopped one', async () => {
    const [released, kept, stopped] = await store.addOutboxEntries([
      { ...entry(message, 'released@relay.test', 'queued'), releasedBy: 'ci-token' },
      entry(message, 'kept@relay.test', 'held'),
      entry(message, 'stopped@relay.test', 'held'),
    ]);
    expect(released).toMatchObject({ releasedBy: 'ci-token', cancelledBy: null });
    expect(kept).toMatchObject({ releasedBy: null, cancelledBy: null });
    const [approved] = await store.changeOutboxState({
      ids: [kept!.id],
      from: ['held'],
      to: 'queued',
      by: 'alice',
    });
    expect(approved).toMatchObject({ state: 'queued', releasedBy: 'alice', cancelledBy: null });
    const [rejected] = await store.changeOutboxState({
      ids: [stopped!.id],
      from: ['held'],
      to: 'cancelled',
      by: 'bob',
    });
    expect(rejected).toMatchObject({ state: 'cancelled', releasedBy: null, cancelledBy: 'bob' });
    expect(await store.getOutboxEntry(kept!.id)).toMatchObject({ releasedBy: 'alice' });
  });

  it.skipIf(engine.skip)(
    'adds the rules’ decision for a message once, however often it is decided',
    async () => {
      const raw = Buffer.from('From: a@example.com\r\nSubject: decided\r\n\r\nHi.\r\n');
      const { id } = await store.addMessage({
        raw,
        parsed: await parseMessage(raw),
        envelope: { mailFrom: 'a@example.com', rcptTo: ['d@relay.test'] },
        client: CLIENT,
      });
      const decision = [entry(id, 'd@relay.test', 'queued')];
      const added = await Promise.all(
        [1, 2, 3].map(() => store.addOutboxEntries(decision, { decisionFor: id })),
      );
      expect(added.map((entries) => entries.length).sort()).toEqual([0, 0, 1]);
      expect((await store.getOutboxHistory(id)).entries).toHaveLength(1);
      // A person's release adds entries whatever the rules decided.
      expect(await store.addOutboxEntries([entry(id, 'd@relay.test', 'queued')])).toHaveLength(1);
      // A message deleted before its decision gets none.
      expect(await store.deleteMessages({ ids: [id] })).toBe(1);
      expect(await store.addOutboxEntries(decision, { decisionFor: id })).toEqual([]);
    },
  );

  it.skipIf(engine.skip)('cancels what was waiting when its message is deleted', async () => {
    const [waiting] = await store.addOutboxEntries([entry(message, 'late@relay.test', 'held')]);
    expect(await store.deleteMessages({ ids: [message] })).toBe(1);
    expect(await store.getOutboxEntry(waiting!.id)).toMatchObject({
      state: 'cancelled',
      lastReply: 'the message was deleted',
    });
  });
});
