import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgres } from '../helpers/engines.js';
import { sendExact } from '../mail/smtp-send.js';
import { startRelayCluster, type RelayCluster } from './relay-cluster.js';

// Every instance on a shared database hears of every message; only the one that captured it
// decides it, in the transaction that stores it, so each message goes upstream once.

const MESSAGES = 30;

describe.skipIf(postgres.skip)('relay rules on two instances of one PostgreSQL database', () => {
  let cluster: RelayCluster;
  beforeAll(async () => {
    cluster = await startRelayCluster({ instances: 2 });
  }, 60_000);
  afterAll(() => cluster?.close());

  it('sends each message upstream once, whichever instance captured it', async () => {
    const { sluices, database, upstream } = cluster;
    for (let i = 0; i < MESSAGES; i++) {
      await sendExact(
        sluices[i % 2]!.smtpPort,
        { from: 'app@example.com', to: [`user${i}@relay.test`] },
        Buffer.from(`From: app@example.com\r\nSubject: once ${i}\r\n\r\nHi.\r\n`),
      );
    }
    await vi.waitFor(
      async () => expect(await database.count('outbox', "state = 'sent'")).toBe(MESSAGES),
      { timeout: 60_000, interval: 100 },
    );
    expect(await database.count('outbox')).toBe(MESSAGES);
    const subjects = upstream.received.map((r) => /^Subject: (.*)$/m.exec(r.raw.toString())![1]);
    expect(subjects.sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => `once ${i}`).sort());
  });
});
