import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { COUNT_CAP } from '../../src/store/list-queries.js';
import type { EngineStore } from '../../src/store/open-store.js';
import { parseSearchQuery } from '../../src/store/search-query.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { NewMessage, Store } from '../../src/store/types.js';
import { ENGINES, openPostgresStore, postgres, type EngineDatabase } from '../helpers/engines.js';
import { createTestDatabase } from '../helpers/postgres.js';

const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

async function message(subject: string, body: string): Promise<NewMessage> {
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`,
  );
  const envelope = { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] };
  return { raw, parsed: await parseMessage(raw), envelope, client: CLIENT };
}

function pendingRows(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM search_pending').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function untilIndexed(path: string): Promise<void> {
  await expect.poll(() => pendingRows(path)).toBe(0);
}

/**
 * Moves these messages' text from the index back to search_pending, through a second
 * connection. A restart, or indexing that failed part way (a full disk), can leave pending
 * rows older than indexed ones: a search must not assume that pending means newest.
 */
function unindex(path: string, ids: readonly number[]): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.transaction(() => {
      const list = JSON.stringify(ids);
      db.prepare(
        `INSERT INTO search_pending (id, subject, sender, recipients, cc, body, filenames, chars)
         SELECT rowid, subject, sender, recipients, cc, body, filenames,
           length(subject) + length(sender) + length(recipients) + length(cc) + length(body)
           + length(filenames)
         FROM message_search WHERE rowid IN (SELECT value FROM json_each(?))`,
      ).run(list);
      db.prepare('DELETE FROM message_search WHERE rowid IN (SELECT value FROM json_each(?))').run(
        list,
      );
    })();
  } finally {
    db.close();
  }
}

/** Pages through a search with `before` cursors; every id seen, in order. */
async function pageThrough(store: Store, text: string, limit: number, total: number) {
  const query = parseSearchQuery(text);
  const seen: number[] = [];
  let before: number | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await store.listMessages({ limit, query, ...(before ? { before } : {}) });
    expect(page.total, text).toBe(total);
    expect(page.totalCapped, text).toBeUndefined();
    expect(page.messages.length, text).toBeLessThanOrEqual(limit);
    seen.push(...page.messages.map((m) => m.id));
    if (page.nextCursor === null) return seen;
    expect(page.nextCursor).toBe(seen.at(-1));
    before = page.nextCursor;
  }
  throw new Error(`${text}: more than 100 pages`);
}

// Message n (1..90) has "zebra" when n is even, "xq" when n % 3 == 0, "quokka" when n % 5 == 0,
// and is read when n % 7 == 0.
const COUNT = 90;
const has = {
  zebra: (n: number) => n % 2 === 0,
  xq: (n: number) => n % 3 === 0,
  quokka: (n: number) => n % 5 === 0,
  read: (n: number) => n % 7 === 0,
};
const QUERIES: readonly (readonly [string, (n: number) => boolean])[] = [
  ['zebra', has.zebra],
  ['xq', has.xq],
  ['zebra -quokka', (n) => has.zebra(n) && !has.quokka(n)],
  ['zebra xq', (n) => has.zebra(n) && has.xq(n)],
  ['xq -zebra', (n) => has.xq(n) && !has.zebra(n)],
  ['xq -qu', (n) => has.xq(n) && !has.quokka(n)],
  ['-zebra', (n) => !has.zebra(n)],
  ['-xq is:unread', (n) => !has.xq(n) && !has.read(n)],
  ['zebra is:read', (n) => has.zebra(n) && has.read(n)],
  ['paging', () => true],
];

/** Every query, paged 7 at a time and by `after`: each match once, newest first. */
async function checkPaging(store: Store, ids: readonly number[]): Promise<void> {
  for (const [text, matches] of QUERIES) {
    const expected = ids.filter((_, i) => matches(i + 1)).reverse();
    expect(await pageThrough(store, text, 7, expected.length), text).toEqual(expected);
    const query = parseSearchQuery(text);
    for (const after of [ids[20]!, ids[44]!, ids[75]!]) {
      const newer = expected.filter((id) => id > after);
      const all = await store.listMessages({ limit: 500, query, after });
      expect(
        all.messages.map((m) => m.id),
        `${text} after ${after}`,
      ).toEqual(newer);
      const three = await store.listMessages({ limit: 3, query, after });
      expect(three.messages.map((m) => m.id)).toEqual(newer.slice(0, 3));
      const between = await store.listMessages({ limit: 500, query, after, before: ids[80]! });
      expect(between.messages.map((m) => m.id)).toEqual(newer.filter((id) => id < ids[80]!));
    }
  }
}

describe('paging through search results in SQLite, pending and indexed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-search-paging-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every match once, newest first, across pending and indexed rows', async () => {
    const path = join(dir, 'paging.db');
    let store = new SqliteStore({ path, maxMessages: 0, maxAgeMs: 0 });
    const prepared = await Promise.all(
      Array.from({ length: COUNT }, (_, i) => {
        const n = i + 1;
        const words = (['zebra', 'xq', 'quokka'] as const).filter((w) => has[w](n));
        return message(`paging ${n}`, `filler text ${words.join(' ')} end`);
      }),
    );
    const ids: number[] = [];
    for (const m of prepared.slice(0, 60)) ids.push((await store.addMessage(m)).id);
    await untilIndexed(path);
    // The last 30 stored in one turn: still pending when the searches below run.
    ids.push(
      ...(await Promise.all(prepared.slice(60).map((m) => store.addMessage(m)))).map((s) => s.id),
    );
    expect(await store.setRead({ ids: ids.filter((_, i) => has.read(i + 1)) }, true)).toBe(12);
    unindex(
      path,
      ids.filter((_, i) => i < 60 && i % 4 === 0),
    );
    // No await below waits for the event loop, so the indexer cannot run in between.
    expect(pendingRows(path)).toBe(30 + 15);
    await checkPaging(store, ids);
    expect(pendingRows(path)).toBe(30 + 15);

    // A new start indexes what is pending; the answers stay the same.
    await store.close();
    store = new SqliteStore({ path, maxMessages: 0, maxAgeMs: 0 });
    await untilIndexed(path);
    await checkPaging(store, ids);
    await store.close();
  });
});

describe.skipIf(postgres.skip)('paging through PostgreSQL search results, bucket by bucket', () => {
  it('gives every match once, newest first, with ids spread over many buckets', async () => {
    const database = await createTestDatabase();
    const store = await openPostgresStore(database.url);
    try {
      const ids: number[] = [];
      for (let n = 1; n <= COUNT; n++) {
        // Gaps of 10,000 ids: the 90 messages fall in 28 buckets of 32,768, so a search walks
        // windows of one, one, two, four... buckets, and cursors fall inside them.
        await database.query("SELECT setval('messages_id_seq', $1)", [n * 10_000]);
        const words = (['zebra', 'xq', 'quokka'] as const).filter((w) => has[w](n));
        ids.push(
          (
            await store.addMessage(
              await message(`paging ${n}`, `filler text ${words.join(' ')} end`),
            )
          ).id,
        );
        if (n === 60) await store.indexPendingSearch();
      }
      expect(await store.setRead({ ids: ids.filter((_, i) => has.read(i + 1)) }, true)).toBe(12);
      // Some indexed text back to waiting, older than indexed text: a search must not assume order.
      await database.query(
        `WITH moved AS (DELETE FROM message_search WHERE id = ANY($1::bigint[]) RETURNING id, text)
         INSERT INTO search_pending (id, text, chars) SELECT id, text, length(text) FROM moved`,
        [ids.filter((_, i) => i < 60 && i % 4 === 0)],
      );
      await checkPaging(store, ids);
      await store.indexPendingSearch();
      expect(await database.count('search_pending')).toBe(0);
      await checkPaging(store, ids);
    } finally {
      await store.close();
      await database.drop();
    }
  }, 120_000); // 90 messages one by one and four walks: slow, not stuck, at load 25
});

describe.each(ENGINES)('counting search matches ($name)', (engine) => {
  let database: EngineDatabase;
  let store: EngineStore;
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it.skipIf(engine.skip)(
    `counts up to ${COUNT_CAP} matches, newest first, and says when there are more`,
    async () => {
      database = await engine.create();
      store = await database.open();
      const plain = await message('plenty of mail', 'nothing much');
      const rare = await message('plenty of mail', 'a rare word');
      const stored = COUNT_CAP + 25;
      const ids: number[] = [];
      // Every 100th has the rare word; stored 500 at a time, as busy SMTP sessions would.
      for (let i = 0; i < stored; i += 500) {
        const chunk = Array.from({ length: Math.min(500, stored - i) }, (_, k) =>
          (i + k) % 100 === 0 ? rare : plain,
        );
        ids.push(...(await Promise.all(chunk.map((m) => store.addMessage(m)))).map((s) => s.id));
      }
      const rareCount = Math.ceil(stored / 100);
      const list = (text: string, extra: { before?: number } = {}) =>
        store.listMessages({ limit: 20, query: parseSearchQuery(text), ...extra });
      const counts = async (text: string) => {
        const { total, unread, totalCapped } = await list(text);
        return { total, unread, capped: totalCapped ?? false };
      };

      const check = async () => {
        for (const text of ['plenty', 'pl', '-rare', 'plenty -rare', 'is:unread', 'is:unread pl']) {
          const page = await list(text);
          expect(page.totalCapped, text).toBe(true);
          expect(page.total, text).toBe(COUNT_CAP);
          expect(page.messages, text).toHaveLength(20);
          expect(page.nextCursor, text).toBe(page.messages.at(-1)!.id);
          const next = await list(text, { before: page.nextCursor! });
          expect(next.total, text).toBe(COUNT_CAP);
          expect(next.totalCapped, text).toBe(true);
          expect(next.messages[0]!.id, text).toBeLessThan(page.nextCursor!);
        }
        expect(await counts('rare')).toEqual({
          total: rareCount,
          unread: rareCount,
          capped: false,
        });
        // The whole mailbox is counted as it is kept, exactly.
        const everything = await store.listMessages({ limit: 1 });
        expect(everything).toMatchObject({ total: stored, unread: stored });
        expect(everything).not.toHaveProperty('totalCapped');
      };
      // Whatever share of the text the indexer has reached by now, and once it has all of it.
      await check();
      await store.indexPendingSearch();
      await check();

      // Counts cover the newest COUNT_CAP matches: reading the oldest changes nothing shown.
      expect(await store.setRead({ ids: ids.slice(0, 25) }, true)).toBe(25);
      expect(await counts('plenty')).toEqual({ total: COUNT_CAP, unread: COUNT_CAP, capped: true });
      expect(await store.setRead({ ids: ids.slice(-5) }, true)).toBe(5);
      expect(await counts('plenty')).toEqual({
        total: COUNT_CAP,
        unread: COUNT_CAP - 5,
        capped: true,
      });
      expect(await counts('is:read')).toEqual({ total: 30, unread: 0, capped: false });

      // Marking and deleting by search apply to every match, not to what was counted.
      expect(await store.setRead({ query: parseSearchQuery('plenty') }, true)).toBe(stored - 30);
      expect(await counts('is:unread')).toEqual({ total: 0, unread: 0, capped: false });
      expect(await store.deleteMessages({ query: parseSearchQuery('-rare') })).toBe(
        stored - rareCount,
      );
      expect(await counts('plenty')).toEqual({ total: rareCount, unread: 0, capped: false });
    },
  );
});
