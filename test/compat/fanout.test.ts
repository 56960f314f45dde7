import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { Fanout, MAX_QUEUED_FRAMES } from '../../src/web/compat/fanout.js';
import { mailpitFrames } from '../../src/web/compat/mailpit-events.js';

describe('the compat live fanout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-fanout-'));
  const store = new SqliteStore({ path: join(dir, 'sluice.db'), maxMessages: 0, maxAgeMs: 0 });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const add = async (n: number) => {
    const raw = Buffer.from(
      `From: a@example.com\r\nTo: b@example.com\r\nSubject: n${n}\r\n\r\nx\r\n`,
    );
    return store.addMessage({
      raw,
      parsed: await parseMessage(raw),
      envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
      client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
    });
  };

  it('translates each event once, in order, and drops a client that stops reading', async () => {
    let translations = 0;
    const fanout = new Fanout(store, async (event) => {
      translations++;
      return mailpitFrames(event);
    });
    const fast: string[] = [];
    let dropped = 0;
    fanout.add({ send: async (frame) => void fast.push(frame), drop: () => {} });
    // Never finishes a write, like a socket whose peer stopped reading.
    fanout.add({ send: () => new Promise(() => {}), drop: () => dropped++ });
    for (let n = 0; n < MAX_QUEUED_FRAMES + 10; n++) await add(n);
    await new Promise((resolve) => setImmediate(resolve));
    expect(translations).toBe(MAX_QUEUED_FRAMES + 10);
    expect(dropped).toBe(1);
    expect(fanout.size).toBe(1);
    const subjects = fast.map((f) => (JSON.parse(f) as { Data: { Subject: string } }).Data.Subject);
    expect(subjects).toEqual(Array.from({ length: MAX_QUEUED_FRAMES + 10 }, (_, n) => `n${n}`));
  });

  it('listens to the store only while it has clients', async () => {
    let translations = 0;
    const fanout = new Fanout(store, async () => {
      translations++;
      return [];
    });
    await add(1);
    const remove = fanout.add({ send: async () => {}, drop: () => {} });
    await add(2);
    remove();
    await add(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(translations).toBe(1);
  });
});
