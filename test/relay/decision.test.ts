import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSluice } from '../helpers/sluice.js';
import { RawSender } from '../mail/smtp-send.js';
import { capture, explain, FAST_RETRY, SAMPLE, settled, tempDir } from './support.js';
import { createCertificate, TestUpstream } from './upstream.js';

// The rules decide in the store's thread, in the transaction that stores the message: a
// 250 means the message and its outbox entries are both committed, or the client is told
// to try again (docs/architecture.md, "The relay decision").

const files = tempDir();
let upstream: TestUpstream;
let configFile: string;

beforeAll(async () => {
  upstream = await TestUpstream.start({ certificate: await createCertificate() });
  configFile = files.write(
    'relay.yaml',
    stringify({
      relay: {
        upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
        rules: [
          { match: { recipient: '*@relay.test' }, action: 'relay' },
          { match: { recipient: '*@held.test' }, action: 'hold' },
        ],
        retry: FAST_RETRY,
      },
    }),
  );
});
afterAll(async () => {
  await upstream.close();
  files.remove();
});

const subjects = () => upstream.received.map((r) => /Subject: (.*)\r\n/.exec(r.raw.toString())![1]);

/** A second connection to the database file, as an operator's sqlite3 shell would be. */
function withDatabase<T>(dataDir: string, work: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'sluice.db'));
  try {
    return work(db);
  } finally {
    db.close();
  }
}

describe('the relay decision', () => {
  it('is in the database when the sender sees 250', async () => {
    const sluice = await startSluice(['--config', configFile]);
    try {
      const id = await capture(sluice, ['dev@relay.test', 'qa@held.test', 'x@elsewhere.test']);
      // Read at once, with nothing awaited in between: the 250 came after the commit.
      const rows = withDatabase(sluice.dataDir, (db) =>
        db.prepare('SELECT recipient, state FROM outbox WHERE message_id = ? ORDER BY id').all(id),
      );
      expect(rows.map((r) => (r as { recipient: string }).recipient)).toEqual([
        'dev@relay.test',
        'qa@held.test',
      ]);
      await expect
        .poll(async () => (await explain(sluice, id)).outbox.entries.map((e) => e.state))
        .toEqual(['sent', 'held']);
    } finally {
      await sluice.close();
    }
  });

  it('that cannot be written refuses the message (451): never a 250 without it', async () => {
    const sluice = await startSluice(['--config', configFile]);
    const sender = await RawSender.open(sluice.smtpPort);
    try {
      // The database refuses this one outbox row, as a full or failing disk refuses writes.
      withDatabase(sluice.dataDir, (db) =>
        db.exec(`CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox
                 WHEN NEW.recipient = 'refused@relay.test'
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`),
      );
      const envelope = { from: 'app@example.com', to: ['refused@relay.test'] };
      const refused = await sender.send(envelope, SAMPLE('decision refused'));
      expect(refused.code).toBe(451);
      expect((await sluice.getJson('/api/messages')).total).toBe(0);

      // The client tries again, as SMTP clients do after a 4xx, once the disk is well.
      withDatabase(sluice.dataDir, (db) => db.exec('DROP TRIGGER refuse_outbox'));
      const accepted = await sender.send(envelope, SAMPLE('decision refused'));
      expect(accepted.code).toBe(250);
      const id = Number(/queued as (\d+)/.exec(accepted.text)![1]);
      expect((await settled(sluice, id)).outbox.entries.map((e) => e.state)).toEqual(['sent']);
      expect(subjects().filter((s) => s === 'decision refused')).toHaveLength(1);
    } finally {
      sender.close();
      await sluice.close();
    }
  });

  it('is never taken for mail captured while the relay was off', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-decision-'));
    try {
      const off = await startSluice([], { dataDir });
      const id = await capture(off, ['dev@relay.test']);
      await off.close();
      const on = await startSluice(['--config', configFile], { dataDir });
      try {
        // A message captured now is relayed; the earlier one is not.
        const now = await capture(on, ['dev@relay.test']);
        await settled(on, now);
        expect((await explain(on, id)).outbox.entries).toEqual([]);
        expect((await explain(on, id)).decisions[0]!.action).toBe('relay');
      } finally {
        await on.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
