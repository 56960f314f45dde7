import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { postgres } from '../helpers/engines.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

// Migration 007 on a database of the previous version with mail and a webhook in it: the
// mail and the webhook's position stay, and the webhook's turn can be taken at once.

const open = (url: string) =>
  PostgresStore.open({ url, tenant: null, maxMessages: 0, maxAgeMs: 0 });

/** What 007 adds, taken away again: the schema as version 6 wrote it. */
const BACK_TO_6 = `
  ALTER TABLE webhook_cursors DROP COLUMN leased_by, DROP COLUMN lease_until;
  DROP TABLE staged_messages;
  DROP SEQUENCE staging_keys;
  UPDATE sluice_schema SET version = 6`;

let database: TestDatabase;
beforeAll(async () => {
  if (!postgres.skip) database = await createTestDatabase();
});
afterAll(() => database?.drop());

it.skipIf(postgres.skip)(
  'upgrades a database of version 6 with messages and a webhook to 007',
  async () => {
    const raw = Buffer.from('Subject: before 007\r\n\r\nHello.\r\n');
    const before = await open(database.url);
    const stored = await before.addMessage({
      raw,
      parsed: await parseMessage(raw),
      envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
      client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
    });
    await before.openWebhookCursor('ci');
    await before.advanceWebhookCursor('ci', stored.id);
    await before.close();
    await database.query(BACK_TO_6);

    const after = await open(database.url);
    try {
      expect(await database.query('SELECT version FROM sluice_schema')).toEqual([{ version: 7 }]);
      expect((await after.getRaw(stored.id)).equals(raw)).toBe(true);
      const claim = await after.claimWebhookCursor('ci', 60_000);
      expect(claim.held && claim.cursor.deliveredThrough).toBe(stored.id);
      expect(await database.count('staged_messages')).toBe(0);
    } finally {
      await after.close();
    }
  },
);
