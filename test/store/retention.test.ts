import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { StoreEvent } from '../../src/store/types.js';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { queuedId } from '../mail/smtp-send.js';

/** Sends `count` messages over one SMTP connection; returns their ids in order. */
async function sendMany(sluice: TestSluice, count: number, tag: string): Promise<number[]> {
  const smtp = nodemailer.createTransport({
    host: '127.0.0.1',
    port: sluice.smtpPort,
    ignoreTLS: true,
    pool: true,
    maxConnections: 1,
  });
  const ids: number[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      const info = await smtp.sendMail({
        from: 'retention@example.com',
        to: 'alice@example.com',
        subject: `${tag} ${i}`,
        text: `Message ${i} of ${count}.`,
      });
      ids.push(queuedId(info.response));
    }
  } finally {
    smtp.close();
  }
  return ids;
}

async function listIds(sluice: TestSluice): Promise<number[]> {
  const list = await sluice.getJson('/api/messages?limit=500');
  expect(list.total).toBe(list.messages.length);
  return list.messages.map((m: { id: number }) => m.id);
}

/** Stores a message that arrived `ageMs` ago, through the store (SMTP cannot backdate). */
async function addAged(sluice: TestSluice, subject: string, ageMs: number): Promise<number> {
  const raw = Buffer.from(`From: old@example.com\r\nSubject: ${subject}\r\n\r\nAged.\r\n`);
  const stored = await sluice.app.store.addMessage({
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'old@example.com', rcptTo: ['alice@example.com'] },
    client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
    receivedAt: new Date(Date.now() - ageMs),
  });
  return stored.id;
}

const HOUR = 3_600_000;

describe.each(ENGINES)('retention and persistence ($name)', (engine) => {
  const databases: EngineDatabase[] = [];
  /** A new, empty database; dropped after the test. */
  const fresh = async () => {
    const database = await engine.create();
    databases.push(database);
    return database;
  };
  const start = async (args: string[], database?: EngineDatabase) =>
    startSluice(args, { database: database ?? (await fresh()) });
  afterEach(async () => {
    for (const database of databases.splice(0)) await database.drop();
  });

  describe.skipIf(engine.skip)('retention by count', () => {
    it('keeps the 10 newest of 25 with --max-messages 10', async () => {
      const sluice = await start(['--max-messages', '10']);
      try {
        const pruned: number[] = [];
        sluice.app.store.subscribe((event: StoreEvent) => {
          if (event.type === 'deleted' && event.ids !== 'all') pruned.push(...event.ids);
        });
        const sent = await sendMany(sluice, 25, 'count');
        const newest = sent.slice(-10).reverse();
        expect(await listIds(sluice)).toEqual(newest);
        expect(sorted(pruned)).toEqual(sent.slice(0, 15));
        for (const id of sent.slice(0, 15)) {
          expect((await sluice.api(`/api/messages/${id}`)).status).toBe(404);
        }
        const list = await sluice.getJson('/api/messages');
        expect(list).toMatchObject({ total: 10, unread: 10 });
        expect(list.messages[0].subject).toBe('count 25');
        expect((await sluice.getJson('/api/info')).messages).toMatchObject({ total: 10 });
      } finally {
        await sluice.close();
      }
    });

    it('keeps everything with --max-messages 0', async () => {
      const sluice = await start(['--max-messages', '0']);
      try {
        const sent = await sendMany(sluice, 12, 'unlimited');
        expect(await sluice.app.store.prune()).toBe(0);
        expect(await listIds(sluice)).toEqual([...sent].reverse());
      } finally {
        await sluice.close();
      }
    });
  });

  describe.skipIf(engine.skip)('retention by age', () => {
    it('prunes messages older than --max-age and keeps the rest', async () => {
      const sluice = await start(['--max-age', '1h']);
      try {
        const old = await addAged(sluice, 'two hours', 2 * HOUR);
        const older = await addAged(sluice, 'a day', 24 * HOUR);
        const recent = await addAged(sluice, 'half an hour', HOUR / 2);
        const [fresh] = await sendMany(sluice, 1, 'fresh');
        expect(await sluice.app.store.prune()).toBe(2);
        expect(await listIds(sluice)).toEqual([fresh, recent]);
        for (const id of [old, older])
          expect((await sluice.api(`/api/messages/${id}`)).status).toBe(404);
        expect(await sluice.app.store.prune()).toBe(0);
      } finally {
        await sluice.close();
      }
    });

    it('prunes by age when a Sluice starts', async () => {
      const database = await fresh();
      const first = await start(['--max-age', '0'], database);
      await addAged(first, 'a week', 7 * 24 * HOUR);
      const kept = await addAged(first, 'a minute', 60_000);
      await first.close();
      const second = await start(['--max-age', '1d'], database);
      try {
        expect(await listIds(second)).toEqual([kept]);
      } finally {
        await second.close();
      }
    });
  });

  describe.skipIf(engine.skip)('persistence', () => {
    // A database of its own for each test (fresh()): ids and counts must not depend on the test before.
    it('keeps messages, flags and raw bytes across a restart and never reuses an id', async () => {
      const database = await fresh();
      const first = await start([], database);
      const sent = await sendMany(first, 4, 'before restart');
      const raw = Buffer.from(
        await (await first.api(`/api/messages/${sent[0]}/raw`)).arrayBuffer(),
      );
      await first.api('/api/messages/mark', { json: { read: true, ids: [sent[1]] } });
      // Deleting the newest must not free its id for the next message.
      await first.api('/api/messages/delete', { json: { ids: [sent[3]] } });
      await first.close();

      const second = await start([], database);
      try {
        expect(await listIds(second)).toEqual([sent[2], sent[1], sent[0]]);
        const list = await second.getJson('/api/messages');
        expect(list).toMatchObject({ total: 3, unread: 2 });
        expect(list.messages.find((m: { id: number }) => m.id === sent[1]).read).toBe(true);
        const again = await second.api(`/api/messages/${sent[0]}/raw`);
        expect(Buffer.from(await again.arrayBuffer()).equals(raw)).toBe(true);
        expect((await second.getJson(`/api/messages/${sent[0]}`)).subject).toBe('before restart 1');

        const [next] = await sendMany(second, 1, 'after restart');
        expect(next).toBeGreaterThan(sent[3]!);
        await second.api('/api/messages', { method: 'DELETE' });
        const [afterClear] = await sendMany(second, 1, 'after clearing');
        expect(afterClear).toBeGreaterThan(next!);
      } finally {
        await second.close();
      }
    });

    it('keeps ids increasing after a count prune and a restart', async () => {
      const database = await fresh();
      const first = await start(['--max-messages', '2'], database);
      const sent = await sendMany(first, 3, 'pruned');
      await first.close();
      const second = await start(['--max-messages', '2'], database);
      try {
        expect(await listIds(second)).toEqual([sent[2], sent[1]]);
        const [next] = await sendMany(second, 1, 'later');
        expect(next).toBe(sent[2]! + 1);
        expect(await listIds(second)).toEqual([next, sent[2]]);
      } finally {
        await second.close();
      }
    });
  });
});

function sorted(ids: number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}
