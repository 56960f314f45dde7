import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { NewMessage, Store } from '../../src/store/types.js';
import { postgres } from '../helpers/engines.js';

// The database's identity: what a live client's resume point is checked against (issue 10).

const dir = mkdtempSync(join(tmpdir(), 'sluice-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open = (path: string) => new SqliteStore({ path, maxMessages: 0, maxAgeMs: 0 });

async function message(subject: string): Promise<NewMessage> {
  const raw = Buffer.from(
    `From: Ann <ann@example.com>\r\nTo: Bob <BOB@example.com>\r\nSubject: ${subject}\r\n\r\nBody of ${subject}.\r\n`,
  );
  return {
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'ann@example.com', rcptTo: ['bob@example.com'] },
    client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
  };
}

describe('the database identity', () => {
  it('is made with the database and kept by it', async () => {
    const path = join(dir, 'kept.db');
    const first = open(path);
    const made = await first.getIdentity();
    await first.close();
    expect(made).toEqual({ instanceId: expect.stringMatching(/^[0-9a-f]{32}$/), lastMessageId: 0 });
    const again = open(path);
    expect(await again.getIdentity()).toEqual(made);
    await again.close();

    const other = open(join(dir, 'other.db'));
    expect((await other.getIdentity()).instanceId).not.toBe(made.instanceId);
    await other.close();
  });

  it('is new for each :memory: database', async () => {
    const [a, b] = [open(':memory:'), open(':memory:')];
    expect((await a.getIdentity()).instanceId).not.toBe((await b.getIdentity()).instanceId);
    await Promise.all([a.close(), b.close()]);
  });

  it('counts the last id ever given, deleted or not', async () => {
    const store = open(':memory:');
    for (const subject of ['one', 'two', 'three']) await store.addMessage(await message(subject));
    await store.deleteMessages({ ids: [3] });
    expect((await store.getIdentity()).lastMessageId).toBe(3);
    await store.close();
  });

  it('is added to a database of the previous version, which keeps its mail', async () => {
    const path = join(dir, 'upgraded.db');
    const before = open(path);
    const { id } = await before.addMessage(await message('from before'));
    await before.close();
    // Exactly the schema before migration 10: it only adds the instance table.
    const previous = MIGRATIONS[MIGRATIONS.findIndex((m) => m.version === 10) - 1]!.version;
    const db = new Database(path);
    // Later migrations' tables go too (011: webhooks), so that version 9 is what remains.
    db.exec(
      'DROP TABLE database_instance; DROP TABLE webhook_attempts; DROP TABLE webhook_cursors',
    );
    db.pragma(`user_version = ${previous}`);
    db.close();

    const after = open(path);
    expect(await after.getIdentity()).toEqual({
      instanceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      lastMessageId: id,
    });
    expect((await after.getMessage(id)).subject).toBe('from before');
    await after.close();
  });
});

describe('getSearchText', () => {
  it('gives the folded text of each message, waiting or indexed, and nothing for a deleted one', async () => {
    const store = open(':memory:');
    // To, then the (empty) hidden recipients.
    await expectSearchTextByField(store, {
      sender: 'Ann ann@example.com ann@example.com',
      recipients: 'Bob BOB@example.com ',
    });
    await store.close();
  });
});

describe.skipIf(postgres.skip)('the identity and search text on PostgreSQL', () => {
  it('is made with the database, kept by it, and counts the last id ever given', async () => {
    const [database, other] = [await postgres.create(), await postgres.create()];
    try {
      const first = await database.open();
      const made = await first.getIdentity();
      expect(made).toEqual({
        instanceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        lastMessageId: 0,
      });
      const ids = [];
      for (const subject of ['one', 'two', 'three'])
        ids.push((await first.addMessage(await message(subject))).id);
      await first.deleteMessages({ ids: [ids[2]!] });
      await first.close();
      const again = await database.open();
      expect(await again.getIdentity()).toEqual({ ...made, lastMessageId: ids[2] });
      await again.close();
      const elsewhere = await other.open();
      expect((await elsewhere.getIdentity()).instanceId).not.toBe(made.instanceId);
      await elsewhere.close();
    } finally {
      await Promise.all([database.drop(), other.drop()]);
    }
  });

  it('gives the text of each message by field, waiting or indexed, in lower case', async () => {
    const database = await postgres.create();
    const store = await database.open();
    try {
      await expectSearchTextByField(store, {
        sender: 'ann ann@example.com ann@example.com',
        recipients: 'bob bob@example.com ',
      });
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

/**
 * Three messages stored, the third deleted: getSearchText gives the first two by field, the
 * same while their text waits for the index and once indexed. `names` is how the engine
 * keeps the sender and recipients (SQLite as written, PostgreSQL in lower case).
 */
async function expectSearchTextByField(
  store: Pick<Store, 'addMessage' | 'deleteMessages' | 'getSearchText'> & {
    indexPendingSearch(): Promise<unknown>;
  },
  names: { sender: string; recipients: string },
): Promise<void> {
  const ids = [];
  for (const subject of ['Café', 'two', 'three'])
    ids.push((await store.addMessage(await message(subject))).id);
  await store.deleteMessages({ ids: [ids[2]!] });
  const waiting = await store.getSearchText(ids);
  await store.indexPendingSearch();
  const indexed = await store.getSearchText(ids);
  for (const texts of [waiting, indexed]) {
    expect([...texts].sort((a, b) => a.id - b.id)).toEqual([
      {
        id: ids[0],
        subject: 'cafe',
        ...names,
        cc: '',
        body: expect.stringContaining('body of cafe') as string,
        filenames: '',
      },
      expect.objectContaining({ id: ids[1], subject: 'two' }),
    ]);
  }
  expect(await store.getSearchText([])).toEqual([]);
}
