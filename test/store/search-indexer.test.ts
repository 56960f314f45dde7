import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { MAX_SLICE_CHARS, SearchIndexer, SLICE_CHARS } from '../../src/store/search-indexer.js';
import { parseSearchQuery } from '../../src/store/search-query.js';
import type { EngineStore } from '../../src/store/open-store.js';
import type { NewMessage } from '../../src/store/types.js';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

async function message(subject: string, body: string): Promise<NewMessage> {
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`,
  );
  return {
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
    client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
  };
}

/** Stores the messages in one turn, as concurrent SMTP sessions would, and nothing more. */
async function store(s: EngineStore, ...messages: Promise<NewMessage>[]) {
  const ready = await Promise.all(messages);
  return Promise.all(ready.map((m) => s.addMessage(m)));
}

const found = async (s: EngineStore, query: string) =>
  (await s.listMessages({ limit: 50, query: parseSearchQuery(query) })).messages
    .map((m) => m.subject)
    .sort();

/** Rows in the search index and rows waiting for it, read through a second connection. */
const searchTables = async (database: EngineDatabase) => ({
  indexed: await database.count('message_search'),
  pending: await database.count('search_pending'),
});

// Indexing a backlog beside a loaded machine's other work can take a while; nothing here is timed.
describe.each(ENGINES)('the search indexer ($name)', { timeout: 90_000 }, (engine) => {
  const databases: EngineDatabase[] = [];
  const create = async () => {
    const database = await engine.create();
    databases.push(database);
    return database;
  };
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });
  /**
   * SQLite's indexer runs on a timer of the thread that stored the mail, so nothing is
   * indexed yet when addMessage resolves; PostgreSQL's may already have started by the time
   * a second connection counts. Both keep every row in one table or the other.
   */
  const expectWaiting = async (database: EngineDatabase, rows: number) => {
    const tables = await searchTables(database);
    if (engine.name === 'sqlite') expect(tables).toEqual({ indexed: 0, pending: rows });
    else expect(tables.indexed + tables.pending).toBe(rows);
  };
  const expectIndexed = (database: EngineDatabase, rows: number) =>
    vi.waitFor(
      async () => expect(await searchTables(database)).toEqual({ indexed: rows, pending: 0 }),
      {
        timeout: 60_000,
        interval: 50,
      },
    );

  it.skipIf(engine.skip)(
    'finds a message the moment it is stored, and the same once it is indexed',
    async () => {
      const database = await create();
      const s = await database.open();
      await store(
        s,
        message('pending one', 'the zebra crossing'),
        message('pending two', '회의 안내 zebra'),
      );
      await expectWaiting(database, 2);
      const queries = [
        'zebra',
        'ebr',
        'ze',
        '회의',
        'subject:pending',
        'body:crossing',
        '-crossing',
      ];
      const before = await Promise.all(queries.map((q) => found(s, q)));
      await expectIndexed(database, 2);
      const after = await Promise.all(queries.map((q) => found(s, q)));
      expect(after).toEqual(before);
      expect(before[0]).toEqual(['pending one', 'pending two']);
      expect(before[3]).toEqual(['pending two']);
      expect(before[6]).toEqual(['pending two']);
      await s.close();
    },
  );

  it.skipIf(engine.skip)('keeps pending rows across a restart and indexes them then', async () => {
    const database = await create();
    const first = await database.open();
    await store(first, message('left pending', 'quokka'));
    await first.close();
    // Closed before it was quiet long enough to index: the text waits in the database.
    expect(await searchTables(database)).toEqual({ indexed: 0, pending: 1 });
    const second = await database.open();
    expect(await found(second, 'quokka')).toEqual(['left pending']);
    await expectIndexed(database, 1);
    expect(await found(second, 'quokka')).toEqual(['left pending']);
    await second.close();
  });

  it.skipIf(engine.skip)('indexes everything pending on request, for bulk loads', async () => {
    const database = await create();
    const s = await database.open();
    const body = 'lorem ipsum dolor sit amet '.repeat(2000);
    await store(s, ...Array.from({ length: 40 }, (_, i) => message(`bulk ${i}`, body)));
    await expectWaiting(database, 40);
    await s.indexPendingSearch();
    expect(await searchTables(database)).toEqual({ indexed: 40, pending: 0 });
    await s.close();
  });

  it.skipIf(engine.skip)('forgets the pending text of a deleted message', async () => {
    const database = await create();
    const s = await database.open();
    const [kept, gone] = await store(s, message('kept', 'walrus'), message('gone', 'walrus'));
    expect(await s.deleteMessages({ ids: [gone!.id] })).toBe(1);
    await expectWaiting(database, 1);
    await expectIndexed(database, 1);
    expect(
      (await s.listMessages({ limit: 5, query: parseSearchQuery('walrus') })).messages.map(
        (m) => m.id,
      ),
    ).toEqual([kept!.id]);
    await s.close();
  });

  it.skipIf(engine.skip)(
    'indexes a large backlog in slices and ends with all of it searchable',
    async () => {
      const database = await create();
      const s = await database.open();
      const body = readFileSync(new URL('plain-simple.eml', FIXTURES), 'latin1').repeat(40);
      const stored = await store(
        s,
        ...Array.from({ length: 120 }, (_, i) => message(`backlog ${i}`, `${body} marker${i}`)),
      );
      await expectWaiting(database, 120);
      await expectIndexed(database, 120);
      expect(await found(s, 'marker7')).toEqual(
        [
          'backlog 7',
          'backlog 70',
          'backlog 71',
          'backlog 72',
          'backlog 73',
          'backlog 74',
          'backlog 75',
          'backlog 76',
          'backlog 77',
          'backlog 78',
          'backlog 79',
        ].sort(),
      );
      expect(stored).toHaveLength(120);
      await s.close();
    },
  );
});

describe('when the indexer runs', () => {
  /** A database with the store's schema and `rows` pending rows of `chars` body characters. */
  function pendingDatabase(rows: number, chars: number): Database.Database {
    const db = new Database(':memory:');
    for (const migration of MIGRATIONS) db.exec(migration.sql);
    const insert = db.prepare(
      "INSERT INTO search_pending VALUES (?, 'subject', 'sender', 'recipients', '', ?, '', ?)",
    );
    for (let id = 1; id <= rows; id++) insert.run(id, 'x'.repeat(chars), chars + 25);
    return db;
  }
  const pending = (db: Database.Database) =>
    (db.prepare('SELECT count(*) AS n FROM search_pending').get() as { n: number }).n;
  const write =
    (db: Database.Database) =>
    <T>(work: () => T) =>
      db.transaction(work).immediate();

  /**
   * Reports mail stored every millisecond, as a busy SMTP side would, for `ms` or until
   * `done()` (whichever comes first).
   */
  async function keepStoring(
    indexer: SearchIndexer,
    ms: number,
    done: () => boolean = () => false,
  ): Promise<void> {
    const until = performance.now() + ms;
    while (performance.now() < until && !done()) {
      indexer.stored(0);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  it('waits while mail keeps arriving and the pending text is within budget', async () => {
    const db = pendingDatabase(50, 1000);
    // Quiet means 2 s without mail: far longer than the 1 ms between messages, even when a
    // loaded machine holds the event loop up for a while.
    const indexer = new SearchIndexer({ db, write: write(db), quietMs: 2000 });
    await keepStoring(indexer, 200);
    expect(pending(db)).toBe(50);
    await vi.waitFor(() => expect(pending(db)).toBe(0), { timeout: 30_000, interval: 50 });
    indexer.close();
  });

  it('takes a backlog in growing slices, and small ones again once mail arrives', () => {
    // 40 rows of 30,025 characters: 4 fit in a first slice of 128 KB.
    const db = pendingDatabase(40, 30_000);
    // Never quiet within the test: the slices below are the only ones taken.
    const indexer = new SearchIndexer({ db, write: write(db), quietMs: 60_000 });
    const taken = () => {
      const before = pending(db);
      indexer.indexSlice();
      return before - pending(db);
    };
    expect(indexer.sliceChars).toBe(SLICE_CHARS);
    expect([taken(), taken(), taken()]).toEqual([4, 8, 17]);
    expect(indexer.sliceChars).toBe(MAX_SLICE_CHARS);
    // A stored message: the next slice holds the write lock no longer than the first did.
    indexer.stored(0);
    expect(indexer.sliceChars).toBe(SLICE_CHARS);
    expect(taken()).toBe(4);
    expect(taken()).toBe(7);
    const indexed = db.prepare('SELECT count(*) AS n FROM message_search').get() as { n: number };
    expect(indexed.n).toBe(40);
    indexer.close();
  });

  it('takes turns with arriving mail once the pending text is over budget', async () => {
    // 1 MB of text: several 128 KB slices.
    const db = pendingDatabase(50, 20_000);
    const indexer = new SearchIndexer({
      db,
      write: write(db),
      // Never quiet within the test: only the budget can start indexing.
      quietMs: 60_000,
      pendingBudgetChars: 10_000,
    });
    // Mail never stops arriving: only the budget lets indexing run, however slow the machine.
    await keepStoring(indexer, 20_000, () => pending(db) === 0);
    expect(pending(db)).toBe(0);
    indexer.close();
  });
});
