import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Checkpointer } from '../../src/store/checkpointer.js';

describe('WAL checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-checkpoint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function open(name: string) {
    const path = join(dir, name);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (data BLOB NOT NULL)');
    return { db, path, insert: db.prepare('INSERT INTO t (data) VALUES (?)') };
  }
  /** Frames in the WAL, and how many of them are in the database already. */
  const walState = (db: Database.Database) =>
    (db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[])[0]!;

  it('wait until the writes stop instead of coming in the middle of them', async () => {
    const { db, path, insert } = open('quiet.db');
    const checkpointer = new Checkpointer({ db, path, quietMs: 20 });
    // 100 commits of 8 KB: past SQLite's own 1,000-page checkpoint, below the budget.
    for (let i = 0; i < 100; i++) {
      insert.run(Buffer.alloc(8192, i));
      checkpointer.wrote();
    }
    expect(checkpointer.count).toBe(0);
    await vi.waitFor(() => expect(checkpointer.count).toBe(1));
    checkpointer.close();
    db.close();
  });

  it('run while writes go on once the WAL passes its budget', () => {
    const { db, path, insert } = open('budget.db');
    const checkpointer = new Checkpointer({ db, path, walBudgetBytes: 64 * 1024 });
    insert.run(Buffer.alloc(1024 * 1024, 1));
    checkpointer.wrote();
    expect(checkpointer.count).toBe(1);
    const state = walState(db);
    expect(state.checkpointed).toBe(state.log);
    checkpointer.close();
    db.close();
  });
});
