import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';

// Cursor pages and the totals beside them, through reads, marks and deletes.
describe.each(ENGINES)('pages, counts, marking and deleting ($name)', (engine) => {
  const COUNT = 23;
  let sluice: TestSluice;
  let database: EngineDatabase;
  let allIds: number[] = [];
  let evenIds: number[] = [];

  const counts = async (query = '') => {
    const list = await sluice.getJson(`/api/messages?limit=1&query=${encodeURIComponent(query)}`);
    return { total: list.total as number, unread: list.unread as number };
  };

  /** Follows nextCursor to the end; checks every page's totals on the way. */
  async function walk(limit: number, query = ''): Promise<number[]> {
    const seen: number[] = [];
    const expected = await counts(query);
    let cursor: number | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const before: string = cursor === null ? '' : `&before=${cursor}`;
      const page: {
        total: number;
        unread: number;
        messages: { id: number }[];
        nextCursor: number | null;
      } = await sluice.getJson(
        `/api/messages?limit=${limit}&query=${encodeURIComponent(query)}${before}`,
      );
      expect({ total: page.total, unread: page.unread }).toEqual(expected);
      expect(page.messages.length).toBeLessThanOrEqual(limit);
      seen.push(...page.messages.map((m) => m.id));
      cursor = page.nextCursor;
      if (cursor === null) return seen;
      expect(cursor).toBe(seen[seen.length - 1]);
    }
    throw new Error('nextCursor never ended');
  }

  beforeAll(async () => {
    if (engine.skip) return;
    database = await engine.create();
    sluice = await startSluice([], { database });
  });
  // Each test starts from the same 23 unread messages, whatever the tests before it did.
  beforeEach(async () => {
    if (engine.skip) return;
    await sluice.app.store.deleteMessages({ all: true });
    allIds = [];
    evenIds = [];
    for (let i = 1; i <= COUNT; i++) {
      const raw = Buffer.from(
        `From: n${i}@example.com\r\nTo: alice@example.com\r\n` +
          `Subject: number ${i} ${i % 2 === 0 ? 'even' : 'odd'}\r\n\r\nMessage ${i}.\r\n`,
      );
      const stored = await sluice.app.store.addMessage({
        raw,
        parsed: await parseMessage(raw),
        envelope: { mailFrom: `n${i}@example.com`, rcptTo: ['alice@example.com'] },
        client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
      });
      if (i % 2 === 0) evenIds.push(stored.id);
      allIds.push(stored.id);
    }
    allIds = allIds.sort((a, b) => b - a);
  });
  afterAll(async () => {
    await sluice?.close();
    await database?.drop();
  });

  it.skipIf(engine.skip)(
    'walks every message once, newest first, with before=nextCursor',
    async () => {
      for (const limit of [1, 5, 23, 500]) expect(await walk(limit)).toEqual(allIds);
    },
  );

  it.skipIf(engine.skip)('walks every match of a query once', async () => {
    const newestFirst = [...evenIds].sort((a, b) => b - a);
    expect(await walk(4, 'subject:even')).toEqual(newestFirst);
    expect(await counts('subject:even')).toEqual({ total: evenIds.length, unread: evenIds.length });
  });

  it.skipIf(engine.skip)('lists only newer messages with after=', async () => {
    const middle = allIds[10]!;
    const page = await sluice.getJson(`/api/messages?limit=500&after=${middle}`);
    expect(page.messages.map((m: { id: number }) => m.id)).toEqual(allIds.slice(0, 10));
  });

  it.skipIf(engine.skip)('answers 400 to a bad limit or cursor', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=x', 'before=abc', 'after=-1']) {
      const response = await sluice.api(`/api/messages?${query}`);
      expect(response.status, query).toBe(400);
      expect((await response.json()).error.code).toBe('invalid_request');
    }
  });

  it.skipIf(engine.skip)('marks by ids, by query and all, and counts follow', async () => {
    const mark = async (body: object) => {
      const response = await sluice.api('/api/messages/mark', { json: body });
      expect(response.status).toBe(200);
      return (await response.json()).updated as number;
    };
    expect(await mark({ read: true, ids: allIds.slice(0, 3) })).toBe(3);
    expect(await mark({ read: true, ids: allIds.slice(0, 3) })).toBe(0);
    expect(await counts()).toEqual({ total: COUNT, unread: COUNT - 3 });
    expect(await counts('is:read')).toEqual({ total: 3, unread: 0 });

    const evenRead = allIds.slice(0, 3).filter((id) => evenIds.includes(id)).length;
    expect(await mark({ read: true, query: 'subject:even' })).toBe(evenIds.length - evenRead);
    expect(await counts('subject:even')).toEqual({ total: evenIds.length, unread: 0 });
    expect(await counts()).toEqual({
      total: COUNT,
      unread: COUNT - 3 - (evenIds.length - evenRead),
    });

    expect(await mark({ read: false, all: true })).toBe(3 + evenIds.length - evenRead);
    expect(await counts()).toEqual({ total: COUNT, unread: COUNT });
    expect(await mark({ read: true, all: true })).toBe(COUNT);
    expect(await counts()).toEqual({ total: COUNT, unread: 0 });

    const patched = await sluice.api(`/api/messages/${allIds[0]}`, {
      method: 'PATCH',
      json: { read: false },
    });
    expect((await patched.json()).read).toBe(false);
    expect(await counts()).toEqual({ total: COUNT, unread: 1 });
    expect(await counts('is:unread')).toEqual({ total: 1, unread: 1 });

    const invalid = await sluice.api('/api/messages/mark', { json: { read: true, query: 'is:x' } });
    expect(invalid.status).toBe(400);
  });

  it.skipIf(engine.skip)('deletes by ids, by query and all, and counts follow', async () => {
    const remove = async (body: object) => {
      const response = await sluice.api('/api/messages/delete', { json: body });
      expect(response.status).toBe(200);
      return (await response.json()).deleted as number;
    };
    expect(await remove({ ids: [allIds[0]!, allIds[1]!, 999_999] })).toBe(2);
    expect(await counts()).toEqual({ total: COUNT - 2, unread: COUNT - 2 });
    expect(await remove({ ids: [allIds[0]!] })).toBe(0);
    expect((await sluice.api(`/api/messages/${allIds[0]}`)).status).toBe(404);

    const odd = (await counts('subject:odd')).total;
    expect(await remove({ query: 'subject:odd' })).toBe(odd);
    expect(await counts('subject:odd')).toEqual({ total: 0, unread: 0 });
    const left = COUNT - 2 - odd;
    expect(await counts()).toEqual({ total: left, unread: left });
    expect(await walk(3)).toHaveLength(left);

    expect(await remove({ all: true })).toBe(left);
    expect(await counts()).toEqual({ total: 0, unread: 0 });
    const empty = await sluice.getJson('/api/messages');
    expect(empty).toEqual({ messages: [], total: 0, unread: 0, nextCursor: null });
  });
});
