import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { StorageUnavailableError } from '../../src/store/errors.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { PIECE_BYTES } from '../../src/store/raw-pieces.js';
import { postgres } from '../helpers/engines.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

// A large message is staged in pieces while its DATA arrives (migration 007). Several
// instances share the database, so what one finds staged at start may be another's message
// in progress: only pieces whose lease ran out (their instance died) are removed.

const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };
const ENVELOPE = { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] };

const open = (url: string) =>
  PostgresStore.open({ url, tenant: null, maxMessages: 0, maxAgeMs: 0 });

/** A message of about `bytes`, in pieces of about a third of PIECE_BYTES as a socket gives them. */
function chunksOf(bytes: number): Buffer[] {
  const body = Buffer.alloc(bytes, 'staged line of text\r\n');
  const whole = Buffer.concat([Buffer.from('Subject: staged\r\n\r\n'), body]);
  const size = Math.ceil(PIECE_BYTES / 3);
  return Array.from({ length: Math.ceil(whole.length / size) }, (_, i) =>
    whole.subarray(i * size, (i + 1) * size),
  );
}

describe.skipIf(postgres.skip)('staged pieces on a shared PostgreSQL database', () => {
  let database: TestDatabase;
  let a: PostgresStore;
  const stores: PostgresStore[] = [];
  const pieces = (key: number) => database.count('message_raw_pieces', 'id = $1', [key]);

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await open(database.url);
    stores.push(a);
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await database?.drop();
  });

  it('keeps a live instance’s staging at another’s start, and removes a dead one’s', async () => {
    const chunks = chunksOf(3 * PIECE_BYTES);
    const live = await a.stageRaw(null, chunks.slice(0, 6));
    expect(live).toBeLessThan(0);
    expect(await pieces(live)).toBeGreaterThan(0);
    // Staged by two other instances: one renewing its lease, one that died a while ago.
    const now = Date.now();
    await database.query(`INSERT INTO staged_messages VALUES (-1000001, 'elsewhere', $1)`, [
      now + 60_000,
    ]);
    await database.query(`INSERT INTO staged_messages VALUES (-1000002, 'dead', $1)`, [now - 1]);
    await database.query(
      `INSERT INTO message_raw_pieces VALUES (-1000001, 0, 'x'), (-1000002, 0, 'y')`,
    );
    stores.push(await open(database.url));
    expect(await pieces(-1000002)).toBe(0);
    expect(await database.count('staged_messages', 'key = -1000002')).toBe(0);
    expect(await pieces(-1000001)).toBe(1);
    expect(await pieces(live)).toBeGreaterThan(0);

    // The message completes: its staged pieces become the message's, the tail after them.
    const more = await a.stageRaw(live, chunks.slice(6, -1));
    expect(more).toBe(live);
    const whole = Buffer.concat(chunks);
    const stored = await a.addMessage({
      raw: chunks.slice(-1),
      staged: live,
      parsed: await parseMessage(a.stagedSource(live, chunks.slice(-1))),
      envelope: ENVELOPE,
      client: CLIENT,
    });
    expect(stored.size).toBe(whole.length);
    expect(stored.subject).toBe('staged');
    expect(await pieces(live)).toBe(0);
    expect(await database.count('staged_messages', `key = ${live}`)).toBe(0);
    expect((await a.getRaw(stored.id)).equals(whole)).toBe(true);
  });

  it('refuses to store a message whose staging an instance removed after its lease ran out', async () => {
    const chunks = chunksOf(2 * PIECE_BYTES);
    const key = await a.stageRaw(null, chunks.slice(0, 4));
    // As if this instance had stopped renewing for longer than the lease.
    await database.query(`UPDATE staged_messages SET lease_until = 0 WHERE key = ${key}`);
    stores.push(await open(database.url));
    expect(await pieces(key)).toBe(0);
    await expect(
      a.addMessage({
        raw: chunks.slice(4),
        staged: key,
        parsed: await parseMessage(Buffer.concat(chunks)),
        envelope: ENVELOPE,
        client: CLIENT,
      }),
    ).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
