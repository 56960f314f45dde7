import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { startSluice } from '../helpers/sluice.js';
import { sendMessages, TestReceiver } from './receiver.js';

// Migration 011 on a database of the previous version with mail in it: the mail stays, and
// a webhook configured from then on starts with the next message, not with the old ones.

/** The version before webhooks' migration: what the previous Sluice wrote. */
const PREVIOUS = MIGRATIONS[MIGRATIONS.findIndex((m) => m.version === 11) - 1]!.version;
const dataDir = mkdtempSync(join(tmpdir(), 'sluice-webhooks-upgrade-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('upgrades a database of the previous version with messages; a new webhook starts after them', async () => {
  const before = await startSluice([], { dataDir });
  await sendMessages(before.smtpPort, 3);
  await before.close();
  // Back to what the previous version wrote: no webhook tables, its user_version.
  const db = new Database(join(dataDir, 'sluice.db'));
  db.exec('DROP TABLE webhook_attempts; DROP TABLE webhook_cursors;');
  db.pragma(`user_version = ${PREVIOUS}`);
  db.close();

  const receiver = await TestReceiver.listen();
  const after = await startSluice(['--webhook', receiver.url, '--webhook-allow-private'], {
    dataDir,
  });
  try {
    expect((await after.getJson('/api/messages')).total).toBe(3);
    const [status] = (await after.getJson('/api/webhooks')).webhooks;
    const newestOld = (await after.getJson('/api/messages')).messages[0].id;
    expect(status.deliveredThrough).toBe(newestOld);
    await sendMessages(after.smtpPort, 1);
    await expect.poll(() => receiver.acceptedIds()).toEqual([newestOld + 1]);
  } finally {
    await after.close();
    await receiver.close();
  }
});
