import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { EngineStore } from '../../src/store/open-store.js';
import { BUCKET_IDS } from '../../src/store/postgres/search-plan.js';
import { parseSearchQuery } from '../../src/store/search-query.js';
import type { NewMessage } from '../../src/store/types.js';
import { openPostgresStore, postgres } from '../helpers/engines.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };
/** More buckets than the walk asks for one at a time (16 + 8 + 4 + 2 + 1): its last step is one query. */
const MESSAGES = 45;
/** The oldest five and one of the newest have the word: the walk must reach the end. */
const WITH_WORD = new Set([1, 2, 3, 4, 5, 44]);

async function message(n: number): Promise<NewMessage> {
  const word = WITH_WORD.has(n) ? 'walrus' : 'nothing';
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: walk ${n}\r\n\r\n${word} here\r\n`,
  );
  const envelope = { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] };
  return { raw, parsed: await parseMessage(raw), envelope, client: CLIENT };
}

describe.skipIf(postgres.skip)(
  'a PostgreSQL search walking more buckets than it asks at once',
  () => {
    let database: TestDatabase;
    let store: EngineStore;
    /** Ids by message number (1-based), each message in a bucket of its own. */
    const ids: number[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      store = await openPostgresStore(database.url);
      for (let n = 1; n <= MESSAGES; n++) {
        await database.query("SELECT setval('sluice.messages_id_seq', $1)", [n * (BUCKET_IDS + 7)]);
        ids[n] = (await store.addMessage(await message(n))).id;
      }
    }, 120_000);

    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    const search = async (before?: number) => {
      const page = await store.listMessages({
        limit: 50,
        query: parseSearchQuery('walrus'),
        ...(before === undefined ? {} : { before }),
      });
      return { ids: page.messages.map((m) => m.id), total: page.total };
    };
    const expected = () => [...WITH_WORD].sort((a, b) => b - a).map((n) => ids[n]!);

    it('finds every match, newest first, from the index and from a cursor inside the walk', async () => {
      await store.indexPendingSearch();
      expect(await database.count('search_pending')).toBe(0);
      expect(await search()).toEqual({ ids: expected(), total: WITH_WORD.size });
      expect((await search(ids[44])).ids).toEqual(expected().slice(1));
      expect((await search(ids[3])).ids).toEqual([ids[2], ids[1]]);
    });

    it('finds the same with some of the text back waiting for the index', async () => {
      // As a restart or a failed slice leaves it; the indexer may take it again meanwhile,
      // and the answer is the same either way.
      await database.query(
        `WITH moved AS (DELETE FROM sluice.message_search WHERE id = ANY($1::bigint[]) RETURNING id, text)
       INSERT INTO sluice.search_pending (id, text, chars) SELECT id, text, length(text) FROM moved`,
        [[ids[1], ids[3], ids[30], ids[44]]],
      );
      expect(await search()).toEqual({ ids: expected(), total: WITH_WORD.size });
    });
  },
);
