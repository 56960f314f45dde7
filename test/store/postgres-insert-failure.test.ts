import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { EngineStore } from '../../src/store/open-store.js';
import type { NewMessage } from '../../src/store/types.js';
import { openPostgresStore, postgres } from '../helpers/engines.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

async function message(subject: string): Promise<NewMessage> {
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`,
  );
  const envelope = { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] };
  return { raw, parsed: await parseMessage(raw), envelope, client: CLIENT };
}

/**
 * An insert sends its rows and COMMIT together (insert.ts): a row refused in between must
 * leave nothing of its batch behind, and each other message of the batch is then stored.
 */
describe.skipIf(postgres.skip)('a PostgreSQL insert refused after its rows were sent', () => {
  let database: TestDatabase;
  let store: EngineStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openPostgresStore(database.url);
    // The search text is the last row an insert writes before NOTIFY and COMMIT.
    await database.query(`
      CREATE FUNCTION sluice.refuse_text() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.text LIKE '%refuse me%' THEN RAISE EXCEPTION 'refused by the test'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_text BEFORE INSERT ON sluice.search_pending
        FOR EACH ROW EXECUTE FUNCTION sluice.refuse_text();`);
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('keeps nothing of a refused message alone, and serves the next one', async () => {
    await expect(store.addMessage(await message('refuse me'))).rejects.toThrow(/refused/);
    expect(await database.count('messages')).toBe(0);
    expect(await database.count('message_bodies')).toBe(0);
    const next = await store.addMessage(await message('welcome'));
    expect(await database.count('messages', 'id = $1', [next.id])).toBe(1);
  });

  it('stores the rest of a batch that had a refused message in it', async () => {
    const subjects = ['one', 'refuse me', 'two', 'three'];
    const messages = await Promise.all(subjects.map(message));
    // Submitted in one turn: the group commit puts them in one transaction first.
    const results = await Promise.allSettled(messages.map((m) => store.addMessage(m)));
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const rows = await database.query<{ subject: string }>(
      'SELECT subject FROM sluice.messages ORDER BY id',
    );
    expect(rows.map((r) => r.subject)).toEqual(['welcome', 'one', 'two', 'three']);
    expect(await database.count('message_bodies')).toBe(4);
    const [text] = await database.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM sluice.search_pending) + (SELECT count(*) FROM sluice.message_search) AS n',
    );
    expect(Number(text!.n)).toBe(4);
  });
});
