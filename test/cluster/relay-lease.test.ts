import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { postgres, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendExact } from '../mail/smtp-send.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';

// A send that outlives its lease is renewed while it runs (a heartbeat), so the other
// instance, which wakes when the lease would have run out, finds nothing to take over.

/** Short, so that the upstream's slow reply outlasts it several times over. */
const LEASE = '3s';
/** The upstream takes this long to answer DATA: well past the lease. */
const SLOW_REPLY_MS = 9_000;

describe.skipIf(postgres.skip)('a relay send slower than its lease, two instances', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-relay-lease-'));
  let database: EngineDatabase;
  let upstream: TestUpstream;
  const sluices: TestSluice[] = [];

  beforeAll(async () => {
    database = await postgres.create();
    upstream = await TestUpstream.start({
      certificate: await createCertificate(),
      replyDelayMs: SLOW_REPLY_MS,
    });
    const config = join(dir, 'relay.yaml');
    writeFileSync(
      config,
      stringify({
        relay: {
          upstreams: [{ name: 'slow', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
          rules: [{ match: { recipient: '*@relay.test' }, action: 'relay' }],
        },
      }),
    );
    for (let n = 0; n < 2; n++) {
      sluices.push(await startSluice(['--config', config, '--relay-lease', LEASE], { database }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const sluice of sluices) await sluice.close();
    await upstream?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is delivered once: the lease is renewed while the upstream takes its time', async () => {
    await sendExact(
      sluices[0]!.smtpPort,
      { from: 'app@example.com', to: ['user@relay.test'] },
      Buffer.from('From: app@example.com\r\nSubject: slow upstream\r\n\r\nHi.\r\n'),
    );
    await vi.waitFor(async () => expect(await database.count('outbox', "state = 'sent'")).toBe(1), {
      timeout: 60_000,
      interval: 200,
    });
    // A second send would have arrived (the upstream counts DATA on arrival) long before the
    // first one's slow reply was recorded as sent.
    expect(upstream.received).toHaveLength(1);
    expect(await database.count('outbox_attempts')).toBe(1);
  }, 90_000);
});
