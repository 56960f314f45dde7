import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgres } from '../helpers/engines.js';
import { sendExact } from '../mail/smtp-send.js';
import { startRelayCluster, type RelayCluster } from './relay-cluster.js';

// A send that outlives its lease is renewed while it runs (a heartbeat), so the other
// instance, which wakes when the lease would have run out, finds nothing to take over.

/** Short, so that the upstream's slow reply outlasts it several times over. */
const LEASE = '3s';
/** The upstream takes this long to answer DATA: well past the lease. */
const SLOW_REPLY_MS = 9_000;

describe.skipIf(postgres.skip)('a relay send slower than its lease, two instances', () => {
  let cluster: RelayCluster;
  beforeAll(async () => {
    cluster = await startRelayCluster({
      instances: 2,
      replyDelayMs: SLOW_REPLY_MS,
      args: ['--relay-lease', LEASE],
    });
  }, 60_000);
  afterAll(() => cluster?.close());

  it('is delivered once: the lease is renewed while the upstream takes its time', async () => {
    const { sluices, database, upstream } = cluster;
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
