import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { EngineStore } from '../../src/store/open-store.js';
import type { NewWebhookAttempt, Store } from '../../src/store/types.js';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';

const client = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

async function add(store: Store, subject: string) {
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`,
  );
  return store.addMessage({
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
    client,
  });
}

function attempt(messageId: number, retryAt: Date | null): NewWebhookAttempt {
  return {
    webhook: 'ci',
    messageId,
    outcome: retryAt ? 'failed' : 'delivered',
    status: retryAt ? 503 : 200,
    reply: retryAt ? '503 Service Unavailable' : '200 OK',
    durationMs: 12,
    retryAt,
  };
}

// The webhook worker's contract with the store, the same on both engines.
describe.each(ENGINES)('webhook cursors and attempts in the store ($name)', (engine) => {
  let database: EngineDatabase;
  let store: EngineStore;

  beforeEach(async () => {
    if (engine.skip) return;
    database = await engine.create();
    store = await database.open();
  });
  afterEach(async () => {
    await store?.close();
    await database?.drop();
  });

  it.skipIf(engine.skip)('a new webhook starts after the newest message, and stays', async () => {
    await add(store, 'before');
    const newest = await add(store, 'newest');
    const cursor = await store.openWebhookCursor('ci');
    expect(cursor).toEqual({
      webhook: 'ci',
      deliveredThrough: newest.id,
      retryMessageId: null,
      attempts: 0,
      firstAttemptAt: null,
      nextAttemptAt: null,
    });
    await add(store, 'after');
    expect((await store.openWebhookCursor('ci')).deliveredThrough).toBe(newest.id);
    expect((await store.openWebhookCursor('other')).deliveredThrough).toBe(newest.id + 1);
  });

  it.skipIf(engine.skip)(
    'a failure waits for its retry; a delivery moves the cursor past the message',
    async () => {
      await store.openWebhookCursor('ci');
      const message = await add(store, 'to deliver');
      const first = await store.recordWebhookAttempt(
        attempt(message.id, new Date(Date.now() + 1000)),
      );
      expect(first).toMatchObject({ retryMessageId: message.id, attempts: 1 });
      expect(first.nextAttemptAt).not.toBeNull();
      const second = await store.recordWebhookAttempt(
        attempt(message.id, new Date(Date.now() + 2000)),
      );
      expect(second.attempts).toBe(2);
      // The first failure's time is kept: max_age counts from it.
      expect(second.firstAttemptAt).toBe(first.firstAttemptAt);
      const delivered = await store.recordWebhookAttempt(attempt(message.id, null));
      expect(delivered).toEqual({
        webhook: 'ci',
        deliveredThrough: message.id,
        retryMessageId: null,
        attempts: 0,
        firstAttemptAt: null,
        nextAttemptAt: null,
      });
    },
  );

  it.skipIf(engine.skip)('the cursor only moves forward', async () => {
    await store.openWebhookCursor('ci');
    const [a, b] = [await add(store, 'a'), await add(store, 'b')];
    await store.advanceWebhookCursor('ci', b.id);
    await store.advanceWebhookCursor('ci', a.id);
    expect((await store.openWebhookCursor('ci')).deliveredThrough).toBe(b.id);
  });

  it.skipIf(engine.skip)('lists attempts newest first, a page at a time', async () => {
    await store.openWebhookCursor('ci');
    const ids: number[] = [];
    for (const subject of ['one', 'two', 'three']) {
      const message = await add(store, subject);
      ids.push(message.id);
      await store.recordWebhookAttempt(attempt(message.id, null));
    }
    const page = await store.listWebhookAttempts('ci', { limit: 2 });
    expect(page.attempts.map((a) => a.messageId)).toEqual([ids[2], ids[1]]);
    expect(page.attempts[0]).toMatchObject({
      webhook: 'ci',
      outcome: 'delivered',
      status: 200,
      reply: '200 OK',
      durationMs: 12,
      retryAt: null,
    });
    expect(page.nextCursor).not.toBeNull();
    const rest = await store.listWebhookAttempts('ci', { limit: 2, before: page.nextCursor! });
    expect(rest.attempts.map((a) => a.messageId)).toEqual([ids[0]]);
    expect(rest.nextCursor).toBeNull();
    expect((await store.listWebhookAttempts('other', { limit: 2 })).attempts).toEqual([]);
  });

  it.skipIf(engine.skip)('counts outbox entries in every state', async () => {
    const message = await add(store, 'relayed');
    const entry = {
      messageId: message.id,
      originalRecipient: 'b@example.com',
      upstream: 'default',
      reason: 'test',
    };
    await store.addOutboxEntries([
      { ...entry, recipient: 'b@example.com', state: 'held' },
      { ...entry, recipient: 'c@example.com', state: 'held' },
      { ...entry, recipient: 'd@example.com', state: 'queued' },
    ]);
    expect(await store.countOutboxByState()).toEqual({
      held: 2,
      queued: 1,
      sending: 0,
      sent: 0,
      failed: 0,
      cancelled: 0,
    });
  });
});
