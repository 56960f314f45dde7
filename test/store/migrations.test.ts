import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startSluice } from '../helpers/sluice.js';
import { sendExact } from '../mail/smtp-send.js';

const LATEST = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Reads the file the way an operator would inspect it: a separate, read-only connection. */
function inspect<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const schema = (db: Database.Database) =>
  db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY type, name').all();

describe('migrations', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-migrate-'));
  const path = join(dataDir, 'sluice.db');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('are numbered in ascending order, each number once', () => {
    // Numbers are handed out per change ahead of time, so a branch may skip some.
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });

  // A fresh database, made once and holding one message, for the tests that read it.
  beforeAll(async () => {
    const sluice = await startSluice([], { dataDir });
    try {
      await sendExact(
        sluice.smtpPort,
        { from: 'a@example.com', to: ['b@example.com'] },
        Buffer.from('Subject: survives reopening\r\n\r\nHello.\r\n'),
      );
    } finally {
      await sluice.close();
    }
  });

  it('bring a fresh database to the latest version, in WAL mode', () => {
    inspect(path, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = schema(db).map((row) => (row as { name: string }).name);
      expect(tables).toEqual(
        expect.arrayContaining(['messages', 'message_bodies', 'message_counts', 'message_search']),
      );
    });
  });

  it('apply nothing twice when the database is opened again', async () => {
    const before = inspect(path, schema);
    const sluice = await startSluice([], { dataDir });
    try {
      inspect(path, (db) => {
        expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
        expect(schema(db)).toEqual(before);
        expect(db.prepare('SELECT count(*) AS n FROM message_counts').get()).toEqual({ n: 1 });
      });
      const list = await sluice.getJson('/api/messages');
      expect(list.total).toBe(1);
      expect(list.messages[0].subject).toBe('survives reopening');
    } finally {
      await sluice.close();
    }
  });

  it('007 drops the relay cursor of a version 5 database and keeps its mail', async () => {
    const old = join(dataDir, 'version-5.db');
    const db = new Database(old);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 5)) db.exec(migration.sql);
    db.pragma('user_version = 5');
    db.prepare(
      `INSERT INTO messages (received_at, mail_from, rcpt_to, to_addrs, cc_addrs, bcc_addrs,
         subject, snippet, size, attachment_count)
       VALUES (?, 'a@example.com', '["b@example.com"]', '[]', '[]', '[]', 'kept', '', 5, 0)`,
    ).run(Date.now());
    db.prepare(`INSERT INTO message_bodies (id, raw, detail) VALUES (1, ?, ?)`).run(
      Buffer.from('Subject: kept\r\n\r\nHello.\r\n'),
      JSON.stringify({ replyTo: [], headers: [], text: 'Hello.', html: null, parts: [] }),
    );
    db.prepare('UPDATE relay_cursor SET decided_through = 1').run();
    db.close();

    const sluice = await startSluice(['--db', old], { dataDir });
    try {
      inspect(old, (read) => {
        expect(read.pragma('user_version', { simple: true })).toBe(LATEST);
        const tables = schema(read).map((row) => (row as { name: string }).name);
        expect(tables).not.toContain('relay_cursor');
        expect(tables).toContain('outbox');
      });
      const list = await sluice.getJson('/api/messages');
      expect(list.messages.map((m: { subject: string }) => m.subject)).toEqual(['kept']);
    } finally {
      await sluice.close();
    }
  });

  it('refuse a database written by a newer Sluice, naming the file', async () => {
    const newer = join(dataDir, 'newer.db');
    const db = new Database(newer);
    db.pragma(`user_version = ${LATEST + 1}`);
    db.close();
    await expect(startSluice(['--db', newer], { dataDir })).rejects.toThrow(
      /newer\.db was written by a newer Sluice/,
    );
    inspect(newer, (read) => {
      expect(read.pragma('user_version', { simple: true })).toBe(LATEST + 1);
      expect(schema(read)).toEqual([]);
    });
  });

  it('006 upgrades a version 5 outbox: old entries have no actor, new changes record one', async () => {
    const old = join(dataDir, 'v5.db');
    const db = new Database(old);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 5)) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
    db.prepare(
      `INSERT INTO outbox (message_id, recipient, original_recipient, upstream, reason, state,
        created_at, updated_at) VALUES (1, 'a@x.test', 'a@x.test', 'up', 'rule', 'held', 1, 1)`,
    ).run();
    db.close();

    const store = new SqliteStore({ path: old, maxMessages: 0, maxAgeMs: 0 });
    try {
      const [entry] = (await store.listOutbox({ limit: 10 })).entries;
      expect(entry).toMatchObject({ state: 'held', releasedBy: null, cancelledBy: null });
      const [approved] = await store.changeOutboxState({
        ids: [entry!.id],
        from: ['held'],
        to: 'queued',
        by: 'alice',
      });
      expect(approved).toMatchObject({ state: 'queued', releasedBy: 'alice', cancelledBy: null });
      expect(await store.readiness()).toEqual({ ready: true });
    } finally {
      await store.close();
    }
    inspect(old, (read) => expect(read.pragma('user_version', { simple: true })).toBe(LATEST));
  });
});
