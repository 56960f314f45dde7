import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';
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

/** A trigger that refuses one outbox row, as a full or failing disk refuses writes. */
const REFUSE_OUTBOX = {
  sqlite: `CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox
           WHEN NEW.recipient = 'refused@relay.test'
           BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
  postgres: `CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.recipient = 'refused@relay.test' THEN RAISE EXCEPTION 'refused by the test'; END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox
             FOR EACH ROW EXECUTE FUNCTION refuse_outbox()`,
};

describe.each(ENGINES)('the relay decision ($name)', (engine) => {
  let database: EngineDatabase;
  beforeEach(async () => {
    if (!engine.skip) database = await engine.create();
  });
  afterEach(async () => {
    await database?.drop();
  });
  const start = (args: string[] = []) => startSluice(args, { database });

  it.skipIf(engine.skip)('is in the database when the sender sees 250', async () => {
    const sluice = await start(['--config', configFile]);
    try {
      const id = await capture(sluice, ['dev@relay.test', 'qa@held.test', 'x@elsewhere.test']);
      // Read at once, with nothing awaited in between but the read: the 250 came after the commit.
      const [relayed, held, total] = await Promise.all([
        database.count('outbox', "message_id = ? AND recipient = 'dev@relay.test'", [id]),
        database.count('outbox', "message_id = ? AND recipient = 'qa@held.test'", [id]),
        database.count('outbox', 'message_id = ?', [id]),
      ]);
      expect([relayed, held, total]).toEqual([1, 1, 2]);
      await expect
        .poll(async () => (await explain(sluice, id)).outbox.entries.map((e) => e.state))
        .toEqual(['sent', 'held']);
    } finally {
      await sluice.close();
    }
  });

  it.skipIf(engine.skip)(
    'that cannot be written refuses the message (451): never a 250 without it',
    async () => {
      const sluice = await start(['--config', configFile]);
      const sender = await RawSender.open(sluice.smtpPort);
      try {
        await database.exec(REFUSE_OUTBOX[engine.name]);
        const envelope = { from: 'app@example.com', to: ['refused@relay.test'] };
        // The upstream serves both engines' tests: each sends its own subject.
        const subject = `decision refused on ${engine.name}`;
        const refused = await sender.send(envelope, SAMPLE(subject));
        expect(refused.code).toBe(451);
        expect((await sluice.getJson('/api/messages')).total).toBe(0);

        // The client tries again, as SMTP clients do after a 4xx, once the disk is well.
        await database.exec(
          'DROP TRIGGER refuse_outbox' + (engine.name === 'postgres' ? ' ON outbox' : ''),
        );
        const accepted = await sender.send(envelope, SAMPLE(subject));
        expect(accepted.code).toBe(250);
        const id = Number(/queued as (\d+)/.exec(accepted.text)![1]);
        expect((await settled(sluice, id)).outbox.entries.map((e) => e.state)).toEqual(['sent']);
        expect(subjects().filter((s) => s === subject)).toHaveLength(1);
      } finally {
        sender.close();
        await sluice.close();
      }
    },
  );

  it.skipIf(engine.skip)('is never taken for mail captured while the relay was off', async () => {
    const off = await start();
    const id = await capture(off, ['dev@relay.test']);
    await off.close();
    const on = await start(['--config', configFile]);
    try {
      // A message captured now is relayed; the earlier one is not.
      const now = await capture(on, ['dev@relay.test']);
      await settled(on, now);
      expect((await explain(on, id)).outbox.entries).toEqual([]);
      expect((await explain(on, id)).decisions[0]!.action).toBe('relay');
    } finally {
      await on.close();
    }
  });
});
