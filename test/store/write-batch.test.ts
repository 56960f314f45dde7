import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { WriteBatch } from '../../src/store/write-batch.js';

describe('WriteBatch (group commit)', () => {
  it('commits writes submitted in one turn together, answering each in order', async () => {
    const commits: number[][] = [];
    const batch = new WriteBatch<number, string>({
      commit: (items) => {
        commits.push([...items]);
        return items.map((n) => `#${n}`);
      },
    });
    const answers = await Promise.all([1, 2, 3].map((n) => batch.submit(n)));
    expect(answers).toEqual(['#1', '#2', '#3']);
    expect(commits).toEqual([[1, 2, 3]]);
    expect(await batch.submit(4)).toBe('#4');
    expect(commits).toEqual([[1, 2, 3], [4]]);
  });

  it('gives each write its own answer when the shared transaction fails', async () => {
    const batch = new WriteBatch<number, number>({
      commit: (items) => {
        if (items.includes(2)) throw new Error('disk full');
        return items.map((n) => n * 10);
      },
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batch.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 10 });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 30 });
  });

  it('commits at once when the batch is full', async () => {
    const sizes: number[] = [];
    const batch = new WriteBatch<number, number>({
      commit: (items) => {
        sizes.push(items.length);
        return [...items];
      },
      maxItems: 2,
    });
    await Promise.all([1, 2, 3].map((n) => batch.submit(n)));
    expect(sizes).toEqual([2, 1]);
  });

  it('never commits again when what follows the commit fails', async () => {
    const commits: number[][] = [];
    const failures: unknown[] = [];
    const batch = new WriteBatch<number, number>({
      commit: (items) => {
        commits.push([...items]);
        return [...items];
      },
      committed: () => {
        throw new Error('a listener failed');
      },
      onError: (error) => failures.push(error),
    });
    expect(await Promise.all([1, 2].map((n) => batch.submit(n)))).toEqual([1, 2]);
    expect(commits).toEqual([[1, 2]]);
    expect(failures).toHaveLength(1);
  });
});

// Issue 10: an event listener that threw after the commit made the batch retry each message
// on its own, so two submissions became four rows.
describe('SqliteStore group commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-batch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores each message once when an event listener throws', async () => {
    const reported: string[] = [];
    const store = new SqliteStore(
      { path: join(dir, 'once.db'), maxMessages: 0, maxAgeMs: 0 },
      { onBackgroundError: (what) => reported.push(what) },
    );
    store.subscribe(() => {
      throw new Error('a subscriber failed');
    });
    const raw = Buffer.from('Subject: once\r\n\r\nOnly once.\r\n');
    const message = {
      raw,
      parsed: await parseMessage(raw),
      envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
      client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
    };
    const stored = await Promise.all([store.addMessage(message), store.addMessage(message)]);
    expect(stored.map((s) => s.subject)).toEqual(['once', 'once']);
    expect((await store.stats()).total).toBe(2);
    expect(reported).toEqual(['after storing messages']);
    // The summary the commit answers with is the one a read gives back.
    const listed = await store.listMessages({ limit: 10 });
    expect([...listed.messages].reverse()).toEqual(stored);
    await store.close();
  });
});
