import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import type { TestSluice } from '../helpers/sluice.js';
import {
  capture,
  explain,
  FAST_RETRY,
  SAMPLE,
  settled,
  startRelaySluice,
  tempDir,
  waitFor,
} from './support.js';
import {
  createCertificate,
  TestUpstream,
  type TestCertificate,
  type UpstreamOptions,
} from './upstream.js';

// Delivery against a real upstream: outages, 4xx and 5xx replies, per-recipient results,
// the exact bytes, the configured overrides and the rate limit.

let certificate: TestCertificate;
const dir = tempDir();
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  certificate = await createCertificate();
});
afterEach(async () => {
  // Sluice first: smtp-server waits for the pooled connections to the upstream to end.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => dir.remove());

async function upstream(options: Omit<UpstreamOptions, 'certificate'> = {}) {
  const server = await TestUpstream.start({ certificate, ...options });
  cleanups.push(() => server.close());
  return server;
}

async function sluiceFor(
  port: number,
  settings: Record<string, unknown> = {},
): Promise<TestSluice> {
  const sluice = await startRelaySluice(dir, {
    upstreams: [{ name: 'up', host: '127.0.0.1', port, tls: 'none', ...settings }],
    rules: [{ name: 'our domain', match: { recipient: '*@relay.test' }, action: 'relay' }],
    retry: FAST_RETRY,
  });
  cleanups.push(() => sluice.close());
  return sluice;
}

describe('transient failures are retried', () => {
  it('upstream down, then up: queued, retried, delivered exactly once', async () => {
    const port = await freePort();
    const sluice = await sluiceFor(port);
    const id = await capture(sluice, ['dev@relay.test'], SAMPLE('down then up'));
    const waiting = await waitFor(async () => {
      const e = await explain(sluice, id);
      return e.outbox.attempts.length >= 2 && e;
    }, 'two refused connections');
    expect(waiting.outbox.attempts.every((a) => a.outcome === 'transient')).toBe(true);
    expect(waiting.outbox.attempts[0]!.reply).toMatch(/ECONNREFUSED|ECONNECTION/);
    expect(['queued', 'sending']).toContain(waiting.outbox.entries[0]!.state);

    const server = await upstream({ port });
    const { outbox } = await settled(sluice, id);
    expect(outbox.entries[0]!.state).toBe('sent');
    expect(outbox.attempts.at(-1)!.outcome).toBe('sent');
    expect(outbox.attempts.at(-1)!.reply).toMatch(/^250 /);
    // Nothing else is queued, so a second delivery could only come from a duplicate send.
    await waitFor(
      async () =>
        (await sluice.getJson('/api/relay/outbox?state=queued,sending')).entries.length === 0,
      'an empty queue',
    );
    expect(server.received).toHaveLength(1);
  });

  it('451 then accepted: one transient attempt with the reply, then sent', async () => {
    const server = await upstream({
      data: (n) => (n === 0 ? { code: 451, message: '4.3.0 Try again later' } : null),
    });
    const sluice = await sluiceFor(server.port);
    const id = await capture(sluice, ['dev@relay.test']);
    const { outbox } = await settled(sluice, id);
    expect(outbox.attempts.map((a) => a.outcome)).toEqual(['transient', 'sent']);
    expect(outbox.attempts[0]!.reply).toBe('451 4.3.0 Try again later');
    expect(outbox.entries[0]!.state).toBe('sent');
    expect(server.received).toHaveLength(1);
  });
});

describe('a stuck upstream', () => {
  it('does not hold up capture: every message still gets its 250 and is stored', async () => {
    // An upstream that accepts TCP and never says a word: the worker's sends hang on it.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => silent.close(() => resolve())));
    const sluice = await sluiceFor((silent.address() as AddressInfo).port);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(await capture(sluice, ['dev@relay.test'], SAMPLE(`stuck ${i}`)));
    expect(new Set(ids).size).toBe(20);
    expect((await sluice.getJson('/api/messages')).total).toBe(20);
    // Decided after commit, so the last entries may trail the last 250 by a moment.
    await waitFor(
      async () =>
        (await sluice.getJson('/api/relay/outbox?state=queued,sending')).entries.length === 20,
      'twenty entries waiting on the silent upstream',
    );
  });
});

describe('permanent failures are not retried', () => {
  it('550 to DATA: failed after one attempt, with the upstream reply', async () => {
    const server = await upstream({
      data: () => ({ code: 550, message: '5.7.1 Message rejected as spam' }),
    });
    const sluice = await sluiceFor(server.port);
    const id = await capture(sluice, ['dev@relay.test']);
    const { outbox } = await settled(sluice, id);
    expect(outbox.entries[0]!.state).toBe('failed');
    expect(outbox.entries[0]!.lastReply).toBe('550 5.7.1 Message rejected as spam');
    expect(outbox.attempts).toHaveLength(1);
    expect(outbox.entries[0]!.nextAttemptAt).toBeNull();
  });

  it('one recipient of three rejected: the other two are sent in one transaction', async () => {
    const server = await upstream({
      rcpt: (address) =>
        address === 'nobody@relay.test' ? { code: 550, message: '5.1.1 No such user' } : null,
    });
    const sluice = await sluiceFor(server.port);
    const recipients = ['a@relay.test', 'nobody@relay.test', 'b@relay.test'];
    const id = await capture(sluice, recipients);
    const { outbox } = await settled(sluice, id, 3);
    const state = Object.fromEntries(outbox.entries.map((e) => [e.recipient, e.state]));
    expect(state).toEqual({
      'a@relay.test': 'sent',
      'nobody@relay.test': 'failed',
      'b@relay.test': 'sent',
    });
    const refused = outbox.entries.find((e) => e.recipient === 'nobody@relay.test')!;
    expect(refused.lastReply).toBe('550 5.1.1 No such user');
    expect(outbox.attempts).toHaveLength(3);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.rcptTo).toEqual(['a@relay.test', 'b@relay.test']);
  });
});

describe('what the upstream receives', () => {
  it('the captured bytes, unchanged, with the captured envelope sender', async () => {
    const server = await upstream();
    const sluice = await sluiceFor(server.port);
    const raw = SAMPLE('byte exact');
    const id = await capture(sluice, ['dev@relay.test'], raw, 'bounces@app.example');
    await settled(sluice, id);
    const captured = Buffer.from(await (await sluice.api(`/api/messages/${id}/raw`)).arrayBuffer());
    expect(captured.equals(raw)).toBe(true);
    expect(server.received[0]!.raw.equals(captured)).toBe(true);
    expect(server.received[0]!.mailFrom).toBe('bounces@app.example');
  });

  it('with overrides: envelope sender and From replaced, the original kept in X-Original-From', async () => {
    const server = await upstream();
    const sluice = await sluiceFor(server.port, {
      envelope_from: 'relay@staging.example',
      from: 'Staging <relay@staging.example>',
    });
    const raw = SAMPLE('overrides');
    const id = await capture(sluice, ['dev@relay.test'], raw);
    await settled(sluice, id);
    const got = server.received[0]!;
    expect(got.mailFrom).toBe('relay@staging.example');
    const expected = raw
      .toString('latin1')
      .replace(
        'From: App <app@example.com>\r\n',
        'From: Staging <relay@staging.example>\r\nX-Original-From: App <app@example.com>\r\n',
      );
    expect(got.raw.toString('latin1')).toBe(expected);
  });
});

describe('rate limit', () => {
  it('sends no more than rate_limit messages in any one second', async () => {
    const server = await upstream();
    const sluice = await sluiceFor(server.port, { rate_limit: 2, max_connections: 1 });
    const ids: number[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(await capture(sluice, ['dev@relay.test'], SAMPLE(`rate ${i}`)));
    for (const id of ids) await settled(sluice, id);
    expect(server.received).toHaveLength(6);
    // A timed assertion by necessity: the rate limit is a statement about time. Arrival
    // times are taken by the upstream at the end of DATA, some time after nodemailer starts
    // its one-second window, and on a loaded machine that lag differs from one message to
    // the next (772 ms was seen for a 1 s window), hence the wide margin. Unlimited, all
    // six arrive within ~100 ms; limited, the six span three windows (2 s).
    const times = server.received.map((r) => r.at).sort((a, b) => a - b);
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 2]!).toBeGreaterThan(500);
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(1500);
  });
});
