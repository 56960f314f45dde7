import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { StorageFullError } from '../../src/store/errors.js';
import type { EngineStore } from '../../src/store/open-store.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { parseSearchQuery } from '../../src/store/search-query.js';
import type { NewMessage } from '../../src/store/types.js';
import { openPostgresStore, postgres as engine } from '../helpers/engines.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

// What only the PostgreSQL engine has: its own numbered migrations, the extensions it
// installs, text without NUL and the size budget it counts. (What both engines do is in
// the other store tests, run on each.)

const LATEST = MIGRATIONS[MIGRATIONS.length - 1]!.version;
const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

async function message(subject: string, body = 'Hello.'): Promise<NewMessage> {
  const raw = Buffer.from(`From: a@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
  return {
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
    client: CLIENT,
  };
}

const open = openPostgresStore;

describe.skipIf(engine.skip)('PostgreSQL migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ bare: true });
  });
  afterAll(() => database?.drop());

  it('are numbered 1, 2, 3... in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('bring an empty database to the latest version, installing the extensions', async () => {
    const store = await open(database.url);
    await store.addMessage(await message('survives reopening'));
    await store.close();
    expect(await database.query('SELECT version FROM sluice_schema')).toEqual([
      { version: LATEST },
    ]);
    const extensions = await database.query<{ extname: string }>(
      "SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'btree_gin') ORDER BY 1",
    );
    expect(extensions.map((e) => e.extname)).toEqual(['btree_gin', 'pg_trgm']);
  });

  it('apply nothing twice when the database is opened again', async () => {
    const schema = () =>
      database.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'sluice' ORDER BY 1",
      );
    const before = await schema();
    const store = await open(database.url);
    try {
      expect(await schema()).toEqual(before);
      expect(await database.count('message_counts')).toBe(1);
      const list = await store.listMessages({ limit: 5 });
      expect(list.messages.map((m) => m.subject)).toEqual(['survives reopening']);
    } finally {
      await store.close();
    }
  });

  it('refuse a schema written by a newer Sluice, naming it and the database without password', async () => {
    await database.query('UPDATE sluice_schema SET version = $1', [LATEST + 1]);
    const withPassword = database.url.replace('sluice@', 'sluice:hunter2@');
    const failure = open(withPassword);
    await expect(failure).rejects.toThrow(
      /schema sluice in postgres:\/\/sluice:\*\*\*@.* was written by a newer Sluice/,
    );
    await expect(failure).rejects.not.toThrow(/hunter2/);
    expect(await database.query('SELECT version FROM sluice_schema')).toEqual([
      { version: LATEST + 1 },
    ]);
  });
});

describe.skipIf(engine.skip)('the PostgreSQL store', () => {
  let database: TestDatabase;
  let store: EngineStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await open(database.url);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('shows a NUL in a header as U+FFFD and keeps the raw bytes', async () => {
    const raw = Buffer.from(
      'From: a@example.com\r\nSubject: nul\u0000here\r\n\r\nBody\u0000too.\r\n',
    );
    const stored = await store.addMessage({
      ...(await message('x')),
      raw,
      parsed: await parseMessage(raw),
    });
    expect(stored.subject).toBe('nul\uFFFDhere');
    expect((await store.getMessage(stored.id)).subject).toBe('nul\uFFFDhere');
    expect((await store.getRaw(stored.id)).equals(raw)).toBe(true);
    const found = await store.listMessages({ limit: 5, query: parseSearchQuery('subject:here') });
    expect(found.messages.map((m) => m.id)).toEqual([stored.id]);
  });
});

describe.skipIf(engine.skip)('--max-db-size on PostgreSQL', () => {
  it('refuses mail past the bytes it holds, and takes it again once messages are deleted', async () => {
    const database = await createTestDatabase();
    const store = await open(database.url, { maxDatabaseBytes: 64 * 1024 });
    try {
      const body = 'x'.repeat(6000);
      const stored = [];
      let refused: unknown = null;
      for (let i = 0; i < 20 && !refused; i++) {
        try {
          stored.push(await store.addMessage(await message(`fill ${i}`, body)));
        } catch (error) {
          refused = error;
        }
      }
      expect(refused).toBeInstanceOf(StorageFullError);
      expect(stored.length).toBeGreaterThan(2);
      const { databaseBytes, total } = await store.stats();
      expect(databaseBytes).toBeLessThanOrEqual(64 * 1024);
      expect(total).toBe(stored.length);
      expect(await store.deleteMessages({ ids: stored.slice(0, 3).map((s) => s.id) })).toBe(3);
      await expect(store.addMessage(await message('after delete', body))).resolves.toMatchObject({
        subject: 'after delete',
      });
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
