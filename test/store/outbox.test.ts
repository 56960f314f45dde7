import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { EngineStore } from '../../src/store/open-store.js';
import type {
  NewOutboxEntry,
  OutboxDecision,
  OutboxEntry,
  StoreEvent,
} from '../../src/store/types.js';
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

/** The rules' decision for a message not stored yet (NewMessage.outbox). */
const decision = (recipient: string, state: 'held' | 'queued'): OutboxDecision => {
  const { messageId: _, ...rest } = entry(0, recipient, state);
  return rest;
};

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
    'stores a new message’s relay decision in the transaction that stores the message',
    async () => {
      const raw = Buffer.from('From: a@example.com\r\nSubject: decided\r\n\r\nHi.\r\n');
      const newMessage = async (outbox: readonly OutboxDecision[]) => ({
        raw,
        parsed: await parseMessage(raw),
        envelope: { mailFrom: 'a@example.com', rcptTo: ['d@relay.test', 'h@held.test'] },
        client: CLIENT,
        outbox,
      });
      const heard: StoreEvent[] = [];
      const unsubscribe = store.subscribe((event) => heard.push(event));
      const { id } = await store.addMessage(
        await newMessage([decision('d@relay.test', 'queued'), decision('h@held.test', 'held')]),
      );
      unsubscribe();
      // Counted through a second connection as soon as addMessage resolves: committed together.
      expect(await database.count('outbox', 'message_id = ?', [id])).toBe(2);
      const { entries } = await store.getOutboxHistory(id);
      expect(entries.map((e) => [e.recipient, e.state])).toEqual([
        ['d@relay.test', 'queued'],
        ['h@held.test', 'held'],
      ]);
      const announced = heard.flatMap((e) => (e.type === 'outbox' ? e.entries : []));
      expect(announced.map((e) => e.id).sort()).toEqual(entries.map((e) => e.id).sort());

      // A decision the database refuses takes the message with it: no 250 without both.
      const messages = await database.count('messages');
      const refused = decision('bad@relay.test', 'queued');
      await expect(
        store.addMessage(await newMessage([{ ...refused, state: 'nonsense' as 'queued' }])),
      ).rejects.toThrow();
      expect(await database.count('messages')).toBe(messages);
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
