import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ThreadedStore } from '../../src/ingest/threaded-store.js';
import { createLogger } from '../../src/log/logger.js';
import { StorageUnavailableError } from '../../src/store/errors.js';
import type { SqliteStoreOptions } from '../../src/store/sqlite-store.js';

const incoming = (subject: string) => ({
  raw: Buffer.from(`Subject: ${subject}\r\n\r\nHello.\r\n`),
  envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
  client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
});

/** A second connection that holds the database's write lock until released. */
function holdWriteLock(path: string): { release(): void } {
  const db = new Database(path);
  db.prepare('BEGIN IMMEDIATE').run();
  return {
    release: () => {
      db.prepare('ROLLBACK').run();
      db.close();
    },
  };
}

describe("the store's threads", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lifecycle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = (name: string, extra: Partial<SqliteStoreOptions> = {}) => ({
    engine: 'sqlite' as const,
    path: join(dir, name),
    maxMessages: 0,
    maxAgeMs: 0,
    ...extra,
  });
  const logged = () => {
    const lines: string[] = [];
    return { lines, logger: createLogger('debug', (line) => lines.push(line)) };
  };

  it('reject ready when the thread ends before it is ready', async () => {
    const store = new ThreadedStore(options('early.db'));
    await store.killThread();
    await expect(store.ready).rejects.toThrow(/exited/);
    await store.close();
  });

  it('bring errors across with their class, stack and the cause with its code', async () => {
    const path = join(dir, 'busy.db');
    const store = new ThreadedStore(options('busy.db', { busyTimeoutMs: 20 }));
    await store.ready;
    await store.capture(incoming('locked out'));
    const lock = holdWriteLock(path);
    try {
      const error = await store.setRead({ all: true }, true).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect((error as Error).stack).toMatch(/sqlite-store/);
      const cause = (error as Error).cause as Error & { code?: string };
      expect(cause.code).toMatch(/^SQLITE_BUSY/);
      expect(cause.stack).toBeTruthy();
    } finally {
      lock.release();
    }
    await store.close();
  });

  it('survive an age prune that fails, and report it', async () => {
    const path = join(dir, 'prune.db');
    const { lines, logger } = logged();
    const store = new ThreadedStore(
      options('prune.db', { maxAgeMs: 1, pruneIntervalMs: 30, busyTimeoutMs: 20 }),
      { logger },
    );
    await store.ready;
    const lock = holdWriteLock(path);
    try {
      await vi.waitFor(() => expect(lines.join('')).toMatch(/age prune failed/), 10_000);
    } finally {
      lock.release();
    }
    expect(lines.join('')).not.toMatch(/stopped/);
    expect(await store.readiness()).toEqual({ ready: true });
    // Still the same thread, storing and pruning.
    const stored = await store.capture(incoming('after the failed prune'));
    await vi.waitFor(async () => expect((await store.stats()).total).toBe(0), 10_000);
    expect(stored.subject).toBe('after the failed prune');
    await store.close();
  });

  it('restart a thread that was killed, failing only what was in flight', async () => {
    const { lines, logger } = logged();
    const store = new ThreadedStore(options('killed.db'), { logger });
    await store.ready;
    const before = await store.capture(incoming('before the crash'));
    let allowRestart = () => {};
    const restart = new Promise<void>((resolve) => (allowRestart = resolve));
    await store.killThread('writer', restart);
    expect(await store.readiness()).toMatchObject({ ready: false });
    await expect(store.capture(incoming('while stopped'))).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
    expect(lines.join('')).toMatch(/store's thread stopped; restarting it/);
    allowRestart();
    await vi.waitFor(async () => expect((await store.readiness()).ready).toBe(true), 10_000);
    const after = await store.capture(incoming('after the restart'));
    expect(after.id).toBeGreaterThan(before.id);
    expect((await store.listMessages({ limit: 10 })).total).toBe(2);
    expect(lines.join('')).toMatch(/serving again/);
    await store.close();
  });

  it('serve reads while a write waits for the database', async () => {
    const path = join(dir, 'reads.db');
    const store = new ThreadedStore(options('reads.db'));
    expect(await store.readerReady()).toBe(true);
    await store.capture(incoming('readable'));
    const lock = holdWriteLock(path);
    let written = false;
    // Blocks the writer's thread until the lock is released (up to its 5 s busy timeout).
    const write = store.setRead({ all: true }, true).then(() => (written = true));
    try {
      const list = await store.listMessages({ limit: 10 });
      expect(list.messages.map((m) => m.subject)).toEqual(['readable']);
      const raw = await store.getRaw(list.messages[0]!.id);
      expect(raw.toString()).toContain('Subject: readable');
      expect(written).toBe(false);
    } finally {
      lock.release();
    }
    await write;
    expect((await store.listMessages({ limit: 10 })).unread).toBe(0);
    await store.close();
  });
});
