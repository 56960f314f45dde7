import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRelayUrl } from '../../src/config/relay.js';
import { createLogger } from '../../src/log/logger.js';
import { parseMessage } from '../../src/mail/parse.js';
import { OutboxWorker } from '../../src/relay/worker.js';
import { StorageFullError, StorageUnavailableError } from '../../src/store/errors.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { AttemptResult, MessageId, OutboxEntry } from '../../src/store/types.js';
import { SAMPLE, tempDir } from './support.js';
import { createCertificate, TestUpstream } from './upstream.js';

// The outbox worker against a real SQLite store and a real upstream. The store is the real
// one with a hook at one method, so that the moment a race needs comes every time.

const RETRY = { initialMs: 50, maxMs: 400, maxAgeMs: 86_400_000 };

/** A real store whose methods can be made to run something first, or fail, once. */
class HookedStore extends SqliteStore {
  readonly hooks: {
    nextOutboxDue?: () => Promise<void>;
    getRaw?: () => never;
    recordOutboxAttempts?: () => never;
  } = {};

  override async nextOutboxDue(): Promise<Date | null> {
    const due = await super.nextOutboxDue();
    await this.#once('nextOutboxDue');
    return due;
  }

  override async getRaw(id: MessageId): Promise<Buffer> {
    await this.#once('getRaw');
    return super.getRaw(id);
  }

  override async recordOutboxAttempts(results: readonly AttemptResult[]) {
    await this.#once('recordOutboxAttempts');
    return super.recordOutboxAttempts(results);
  }

  async #once(name: keyof HookedStore['hooks']): Promise<void> {
    const hook = this.hooks[name];
    delete this.hooks[name];
    await hook?.();
  }
}

const files = tempDir();
let upstream: TestUpstream;
let store: HookedStore;
let worker: OutboxWorker | undefined;

beforeAll(async () => {
  upstream = await TestUpstream.start({ certificate: await createCertificate() });
});
afterEach(async () => {
  await worker?.close();
  await store?.close();
  worker = undefined;
});
afterAll(async () => {
  await upstream.close();
  files.remove();
});

async function openStore(name: string): Promise<HookedStore> {
  store = new HookedStore({ path: `${files.path}/${name}.db`, maxMessages: 0, maxAgeMs: 0 });
  return store;
}

async function storeMessage(subject: string): Promise<MessageId> {
  const raw = SAMPLE(subject);
  const summary = await store.addMessage({
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'app@example.com', rcptTo: ['dev@relay.test'] },
    client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
  });
  return summary.id;
}

async function queue(messageId: MessageId): Promise<OutboxEntry> {
  const [entry] = await store.addOutboxEntries([
    {
      messageId,
      recipient: 'dev@relay.test',
      originalRecipient: 'dev@relay.test',
      upstream: 'default',
      reason: 'test',
      state: 'queued',
    },
  ]);
  return entry!;
}

function startWorker(): Promise<void> {
  worker = new OutboxWorker({
    store,
    upstreams: [parseRelayUrl(`smtp://127.0.0.1:${upstream.port}?starttls=none`)],
    retry: RETRY,
    logger: createLogger('silent'),
    leaseMs: 60_000,
  });
  return worker.start();
}

const subjects = () => upstream.received.map((r) => /Subject: (.*)\r\n/.exec(r.raw.toString())![1]);
/** Let queued microtasks (the worker's deferred wake) run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('the outbox worker', () => {
  it('sends an entry queued while a pass is finishing (a wake is never lost)', async () => {
    await openStore('wake');
    const id = await storeMessage('queued while finishing');
    // The first pass finds nothing; while it asks for the next due time, an entry is queued
    // and its event wakes the worker. The due time read before it says "nothing queued".
    store.hooks.nextOutboxDue = async () => {
      await queue(id);
      await turn();
    };
    await startWorker();
    // With the wake lost, the worker sleeps its longest (30 s) before it looks again.
    await expect.poll(subjects, { timeout: 10_000 }).toContain('queued while finishing');
  });

  it('puts an entry back in the queue when its message cannot be read, then sends it', async () => {
    await openStore('unreadable');
    const id = await storeMessage('read failed once');
    store.hooks.getRaw = () => {
      throw new StorageUnavailableError('the database refused the read (SQLITE_IOERR)');
    };
    const { id: entryId } = await queue(id);
    await startWorker();
    await expect.poll(() => store.getOutboxEntry(entryId).then((e) => e.state)).toBe('sent');
    const { attempts } = await store.getOutboxHistory(id);
    expect(attempts.map((a) => a.outcome)).toEqual(['transient', 'sent']);
    expect(attempts[0]!.reply).toMatch(/could not read the message.*SQLITE_IOERR/);
    expect(subjects().filter((s) => s === 'read failed once')).toHaveLength(1);
  });

  it('records a result the store refused once later, without sending again', async () => {
    await openStore('unrecorded');
    const id = await storeMessage('recorded late');
    store.hooks.recordOutboxAttempts = () => {
      throw new StorageFullError('the database disk is full');
    };
    const { id: entryId } = await queue(id);
    await startWorker();
    await expect.poll(() => store.getOutboxEntry(entryId).then((e) => e.state)).toBe('sent');
    expect((await store.getOutboxEntry(entryId)).attempts).toBe(1);
    expect(subjects().filter((s) => s === 'recorded late')).toHaveLength(1);
  });
});
