import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { WebhookAttempt } from '../../src/store/types.js';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendMessages, signatureIsValid, TestReceiver } from './receiver.js';

// Real Sluice, real SMTP, a real HTTP receiver on loopback (allowed with allow_private).

const SECRET = 'whsec-test-0123456789';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(port = 0): Promise<TestReceiver> {
  const r = await TestReceiver.listen(port);
  cleanups.push(() => r.close());
  return r;
}

/** The engine's database of the running test; none = a SQLite file in the data dir. */
let database: EngineDatabase | undefined;

/** Sluice with a `webhooks:` section in its config file; the secret comes from a file. */
async function sluiceWith(webhooks: object[], dataDir?: string): Promise<TestSluice> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-webhooks-'));
  writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
  const config = join(dir, 'sluice.yaml');
  writeFileSync(
    config,
    stringify({
      webhooks: webhooks.map((w) => ({ secret_file: join(dir, 'secret'), ...w })),
    }),
  );
  const sluice = await startSluice(['--config', config], { dataDir, database });
  cleanups.push(async () => {
    await sluice.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return sluice;
}

const fastRetry = { initial: '100ms', max: '300ms' };

async function attempts(sluice: TestSluice, name: string): Promise<WebhookAttempt[]> {
  return (await sluice.getJson(`/api/webhooks/${name}/deliveries?limit=500`)).attempts;
}

describe.each(ENGINES)('webhooks ($name)', (engine) => {
  beforeEach(async () => {
    database = undefined;
    if (engine.skip || engine.name === 'sqlite') return;
    const created = await engine.create();
    database = created;
    // First in, so last out: dropped once the test's Sluices have closed.
    cleanups.push(() => created.drop());
  });

  it.skipIf(engine.skip)(
    'POSTs each stored message as its list summary, signed, with the delivery headers',
    async () => {
      const r = await receiver();
      const sluice = await sluiceWith([{ name: 'ci', url: r.url, allow_private: true }]);
      await sendMessages(sluice.smtpPort, 1);
      await expect.poll(() => r.received.length).toBe(1);
      const [delivery] = r.received;
      expect(signatureIsValid(SECRET, delivery!)).toBe(true);
      expect(signatureIsValid('another secret', delivery!)).toBe(false);
      const listed = (await sluice.getJson('/api/messages')).messages[0];
      expect(JSON.parse(delivery!.body)).toEqual(listed);
      expect(delivery!.headers['content-type']).toBe('application/json');
      expect(delivery!.headers['sluice-event']).toBe('message.stored');
      expect(delivery!.headers['sluice-delivery']).toBe(`ci:${listed.id}`);
      await expect.poll(async () => (await attempts(sluice, 'ci'))[0]?.outcome).toBe('delivered');
      const [attempt] = await attempts(sluice, 'ci');
      expect(attempt).toMatchObject({ messageId: listed.id, status: 200, retryAt: null });
    },
  );

  it.skipIf(engine.skip)(
    'keeps a message while the receiver is down and delivers it once it is up',
    async () => {
      const probe = await TestReceiver.listen();
      const port = probe.port;
      await probe.close();
      const sluice = await sluiceWith([
        {
          name: 'later',
          url: `http://127.0.0.1:${port}/hook`,
          allow_private: true,
          retry: fastRetry,
        },
      ]);
      await sendMessages(sluice.smtpPort, 2);
      // At least two failed attempts on the first message, each with a retry time.
      await expect
        .poll(
          async () =>
            (await attempts(sluice, 'later')).filter((a) => a.outcome === 'failed').length,
        )
        .toBeGreaterThanOrEqual(2);
      const failed = (await attempts(sluice, 'later')).find((a) => a.outcome === 'failed')!;
      expect(failed.status).toBeNull();
      expect(failed.retryAt).not.toBeNull();
      expect(failed.reply).toMatch(/ECONNREFUSED/);
      const status = (await sluice.getJson('/api/webhooks')).webhooks[0];
      expect(status.retry).toMatchObject({ messageId: failed.messageId });

      const r = await receiver(port);
      await expect.poll(() => r.acceptedIds().length).toBe(2);
      const ids = r.acceptedIds();
      expect(ids[0]).toBeLessThan(ids[1]!);
      await expect
        .poll(async () => (await sluice.getJson('/api/webhooks')).webhooks[0].retry)
        .toBeNull();
    },
  );

  it.skipIf(engine.skip)('retries a receiver that answers 500 until it answers 2xx', async () => {
    const r = await receiver();
    r.status = 500;
    const sluice = await sluiceWith([
      { name: 'flaky', url: r.url, allow_private: true, retry: fastRetry },
    ]);
    await sendMessages(sluice.smtpPort, 1);
    await expect.poll(() => r.received.length).toBeGreaterThanOrEqual(2);
    r.status = 204;
    await expect.poll(() => r.acceptedIds().length).toBe(1);
    // The attempt is recorded once the receiver's answer is in, a moment after it answered.
    await expect
      .poll(async () => (await attempts(sluice, 'flaky'))[0])
      .toMatchObject({ outcome: 'delivered', status: 204 });
    const history = await attempts(sluice, 'flaky');
    expect(history.some((a) => a.outcome === 'failed' && a.status === 500)).toBe(true);
  });

  it.skipIf(engine.skip)(
    'delivers every message of a burst of 200, each once, in order',
    async () => {
      const r = await receiver();
      const sluice = await sluiceWith([{ name: 'burst', url: r.url, allow_private: true }]);
      await sendMessages(sluice.smtpPort, 200);
      await expect.poll(() => r.acceptedIds().length, { timeout: 60_000 }).toBe(200);
      const ids = r.acceptedIds();
      expect(new Set(ids).size).toBe(200);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    },
  );

  it.skipIf(engine.skip)(
    'delivers only what its filter matches, and moves past the rest',
    async () => {
      const r = await receiver();
      const sluice = await sluiceWith([
        { name: 'vip', url: r.url, allow_private: true, filter: 'to:vip@example.com' },
      ]);
      await sendMessages(sluice.smtpPort, 6, (i) =>
        i % 3 === 1 ? 'vip@example.com' : `other${i}@example.com`,
      );
      await expect.poll(() => r.acceptedIds().length).toBe(2);
      const newest = (await sluice.getJson('/api/messages')).messages[0].id;
      await expect
        .poll(async () => (await sluice.getJson('/api/webhooks')).webhooks[0].deliveredThrough)
        .toBe(newest);
      for (const delivery of r.received)
        expect(JSON.parse(delivery.body).envelope.rcptTo).toEqual(['vip@example.com']);
    },
  );

  it.skipIf(engine.skip)(
    'loses nothing and sends nothing twice across a restart in the middle of a backlog',
    async () => {
      const r = await receiver();
      const dataDir = mkdtempSync(join(tmpdir(), 'sluice-webhooks-restart-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const hook = { name: 'durable', url: r.url, allow_private: true, retry: fastRetry };
      const first = await sluiceWith([hook], dataDir);
      // The backlog builds up while the receiver refuses; then it takes 7 and refuses again,
      // so the restart certainly comes in the middle of a page of messages.
      r.status = 503;
      await sendMessages(first.smtpPort, 30);
      await expect.poll(() => r.received.length).toBeGreaterThanOrEqual(1);
      r.acceptLimit = 7;
      r.status = 200;
      await expect
        .poll(() => r.acceptedIds().length === 7 && r.received.at(-1)!.status === 503)
        .toBe(true);
      await first.close();
      expect(r.acceptedIds()).toHaveLength(7);
      r.acceptLimit = Infinity;

      const second = await sluiceWith([hook], dataDir);
      await expect.poll(() => r.acceptedIds().length).toBe(30);
      const ids = r.acceptedIds();
      expect(new Set(ids).size).toBe(30);
      const all = (await second.getJson('/api/messages?limit=500')).messages.map(
        (m: { id: number }) => m.id,
      );
      expect([...ids].sort((a, b) => a - b)).toEqual(
        [...all].sort((a: number, b: number) => a - b),
      );
    },
  );

  it.skipIf(engine.skip)(
    'refuses a loopback target unless it is allowed, and delivers nothing there',
    async () => {
      const r = await receiver();
      const sluice = await sluiceWith([
        { name: 'byname', url: `http://localhost:${r.port}/hook`, retry: fastRetry },
        { name: 'literal', url: r.url, retry: fastRetry },
      ]);
      await sendMessages(sluice.smtpPort, 1);
      for (const name of ['byname', 'literal']) {
        await expect.poll(async () => (await attempts(sluice, name))[0]?.outcome).toBe('refused');
        const [attempt] = await attempts(sluice, name);
        expect(attempt!.reply).toMatch(/loopback, private or link-local.*allow_private/);
        expect(attempt!.retryAt).not.toBeNull();
      }
      expect(r.received).toEqual([]);
    },
  );

  it.skipIf(engine.skip)(
    'shows webhooks without their secret or URL path, and 404s an unknown one',
    async () => {
      const r = await receiver();
      const sluice = await sluiceWith([
        { name: 'shown', url: `${r.url}/T000/secret-token?key=abc`, allow_private: true },
      ]);
      const text = await (await sluice.api('/api/webhooks')).text();
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('secret-token');
      expect(JSON.parse(text).webhooks).toEqual([
        {
          name: 'shown',
          target: `http://127.0.0.1:${r.port}`,
          filter: null,
          signed: true,
          allowPrivate: true,
          deliveredThrough: 0,
          retry: null,
        },
      ]);
      const missing = await sluice.api('/api/webhooks/nope/deliveries');
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe('not_found');
      expect((await sluice.api('/api/webhooks/shown/deliveries?limit=0')).status).toBe(400);
    },
  );
});
