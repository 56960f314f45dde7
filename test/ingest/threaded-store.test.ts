import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ThreadedStore } from '../../src/ingest/threaded-store.js';
import { MessageNotFoundError, StorageUnavailableError } from '../../src/store/errors.js';
import type { StoreEvent } from '../../src/store/types.js';

const FIXTURE = readFileSync(new URL('../fixtures/attachments.eml', import.meta.url));
const incoming = (raw: Buffer) => ({
  raw,
  envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
  client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
});

describe('the store in its own thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-thread-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const open = (name: string) =>
    new ThreadedStore({ engine: 'sqlite', path: join(dir, name), maxMessages: 0, maxAgeMs: 0 });

  it('parses and stores a message, and gives back its exact bytes', async () => {
    const store = open('capture.db');
    await store.ready;
    // A copy, since capture hands the bytes over to the thread.
    const summary = await store.capture(incoming(Buffer.from(FIXTURE)));
    expect(summary.subject).not.toBe('');
    expect(summary.attachmentCount).toBeGreaterThan(0);
    const raw = await store.getRaw(summary.id);
    expect(Buffer.isBuffer(raw)).toBe(true);
    expect(raw.equals(FIXTURE)).toBe(true);
    expect((await store.getMessage(summary.id)).parts.length).toBe(summary.attachmentCount);
    await store.close();
  });

  it('delivers the events of a call before the call resolves', async () => {
    const store = open('events.db');
    const events: StoreEvent[] = [];
    store.subscribe((event) => events.push(event));
    const summary = await store.capture(incoming(Buffer.from(FIXTURE)));
    expect(events).toEqual([{ type: 'stored', message: summary }]);
    await store.deleteMessages({ ids: [summary.id] });
    expect(events.at(-1)).toEqual({ type: 'deleted', ids: [summary.id] });
    await store.close();
  });

  it('lets a read that follows a stored message see it (read your writes)', async () => {
    const store = open('read-your-writes.db');
    // Reads are served by the reader thread, over a connection of its own.
    expect(await store.readerReady()).toBe(true);
    for (let i = 0; i < 30; i++) {
      const stored = await store.capture(incoming(Buffer.from(FIXTURE)));
      const newest = (await store.listMessages({ limit: 1 })).messages[0];
      expect(newest?.id).toBe(stored.id);
      expect((await store.getMessage(stored.id)).subject).toBe(stored.subject);
    }
    await store.close();
  });

  it("rebuilds the store's own errors on this side", async () => {
    const store = open('errors.db');
    const missing = await store.getMessage(424242).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(MessageNotFoundError);
    expect((missing as MessageNotFoundError).id).toBe(424242);
    await store.close();
    const closed = await store.stats().catch((error: unknown) => error);
    expect(closed).toBeInstanceOf(StorageUnavailableError);
  });

  it('reports a file it cannot open through ready, and then closes cleanly', async () => {
    const path = join(dir, 'not-a-db.txt');
    writeFileSync(path, 'This is a text file, not a database.\n'.repeat(200));
    const store = new ThreadedStore({ engine: 'sqlite', path, maxMessages: 0, maxAgeMs: 0 });
    await expect(store.ready).rejects.toThrow(/not a database/);
    await store.close();
    await expect(store.stats()).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
