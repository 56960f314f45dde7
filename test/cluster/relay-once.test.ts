import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { postgres, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendExact } from '../mail/smtp-send.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';

// Every instance on a shared database hears of every message; only the one that captured it
// decides it, in the transaction that stores it, so each message goes upstream once.

const MESSAGES = 30;

describe.skipIf(postgres.skip)('relay rules on two instances of one PostgreSQL database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-relay-once-'));
  let database: EngineDatabase;
  let upstream: TestUpstream;
  const sluices: TestSluice[] = [];

  beforeAll(async () => {
    database = await postgres.create();
    upstream = await TestUpstream.start({ certificate: await createCertificate() });
    const config = join(dir, 'relay.yaml');
    writeFileSync(
      config,
      stringify({
        relay: {
          upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
          rules: [{ match: { recipient: '*@relay.test' }, action: 'relay' }],
        },
      }),
    );
    for (let n = 0; n < 2; n++) sluices.push(await startSluice(['--config', config], { database }));
  }, 60_000);
  afterAll(async () => {
    for (const sluice of sluices) await sluice.close();
    await upstream?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each message upstream once, whichever instance captured it', async () => {
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
