import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bearer } from '../helpers/auth.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { createRawTransport } from '../mail/smtp-send.js';
import { createCertificate, TestUpstream, type TestCertificate } from '../relay/upstream.js';
import { sendMessages, TestReceiver } from '../webhooks/receiver.js';

// A real Sluice with --metrics, sign-in on, a real relay upstream and a real webhook
// receiver; real SMTP mail; /metrics scraped over HTTP and its exposition parsed.

const TOKEN = 'metrics-token-0123456789abcdef';
const cleanups: (() => Promise<void> | void)[] = [];
let certificate: TestCertificate;
beforeAll(async () => {
  certificate = await createCertificate();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Prometheus text format: `name{labels} value` lines, plus which families declared a TYPE. */
function parseExposition(text: string) {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!sample) throw new Error(`not an exposition line: ${line}`);
    samples.set(sample[1]!, Number(sample[2]));
  }
  return { samples, types };
}

async function scrape(sluice: TestSluice) {
  const response = await sluice.api('/metrics', { headers: bearer(TOKEN) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

async function start(): Promise<{ sluice: TestSluice; receiver: TestReceiver }> {
  const upstream = await TestUpstream.start({ certificate, starttls: false });
  cleanups.push(() => upstream.close());
  const receiver = await TestReceiver.listen();
  cleanups.push(() => receiver.close());
  const dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-'));
  const config = join(dir, 'sluice.yaml');
  writeFileSync(
    config,
    stringify({
      relay: {
        upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
        rules: [{ match: { recipient: '*@relay.test' }, action: 'relay' }],
      },
      webhooks: [{ name: 'hook', url: receiver.url, allow_private: true }],
    }),
  );
  const sluice = await startSluice([
    '--config',
    config,
    '--metrics',
    '--http-tokens',
    `ci:${TOKEN}`,
    '--max-message-size',
    '4KB',
  ]);
  cleanups.push(async () => {
    await sluice.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { sluice, receiver };
}

describe('/metrics', () => {
  it('is off by default', async () => {
    const sluice = await startSluice();
    cleanups.push(() => sluice.close());
    // Whatever answers (the inbox's page, or 503 before a build), it is not the metrics.
    const response = await sluice.api('/metrics');
    expect(response.headers.get('content-type')).not.toMatch(/version=0\.0\.4/);
    expect(await response.text()).not.toContain('sluice_messages');
  });

  it('needs sign-in when sign-in is on; a token works', async () => {
    const { sluice } = await start();
    expect((await sluice.api('/metrics')).status).toBe(401);
    await scrape(sluice);
  });

  it('counts real mail: stored, refused by code, bytes, latency, outbox, relay, webhooks', async () => {
    const { sluice, receiver } = await start();
    await sendMessages(sluice.smtpPort, 3, (i) =>
      i === 0 ? 'dev@relay.test' : `u${i}@example.com`,
    );
    const transport = createRawTransport(sluice.smtpPort);
    cleanups.push(() => transport.close());
    const big = `Subject: too big\r\n\r\n${'x'.repeat(8000)}\r\n`;
    await expect(
      transport.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw: big }),
    ).rejects.toThrow(/552/);
    await expect.poll(() => receiver.acceptedIds().length).toBe(3);
    await expect
      .poll(async () => (await scrape(sluice)).samples.get('sluice_outbox_entries{state="sent"}'))
      .toBe(1);

    const { samples, types } = await scrape(sluice);
    expect(samples.get('sluice_messages_stored_total')).toBe(3);
    expect(samples.get('sluice_messages')).toBe(3);
    expect(samples.get('sluice_smtp_refused_total{code="552"}')).toBe(1);
    expect(samples.get('sluice_smtp_received_bytes_total')).toBeGreaterThan(8000);
    expect(samples.get('sluice_ingest_seconds_count')).toBe(3);
    expect(samples.get('sluice_ingest_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(samples.get('sluice_ingest_seconds_sum')).toBeGreaterThan(0);
    expect(samples.get('sluice_database_bytes')).toBeGreaterThan(0);
    expect(samples.get('sluice_outbox_entries{state="failed"}')).toBe(0);
    expect(samples.get('sluice_relay_attempts_total{outcome="sent"}')).toBe(1);
    expect(samples.get('sluice_relay_attempts_total{outcome="transient"}')).toBe(0);
    expect(samples.get('sluice_webhook_deliveries_total{webhook="hook",outcome="delivered"}')).toBe(
      3,
    );
    expect(types.get('sluice_ingest_seconds')).toBe('histogram');
    expect(types.get('sluice_messages_stored_total')).toBe('counter');
    expect(types.get('sluice_event_clients')).toBe('gauge');
  });

  it('counts event clients and waits while they are open', async () => {
    const { sluice } = await start();
    const abort = new AbortController();
    const events = await sluice.api('/api/events', {
      headers: bearer(TOKEN),
      signal: abort.signal,
    });
    await events.body!.getReader().read(); // the hello event: the stream is open
    const wait = sluice
      .api('/api/messages/wait?query=to:nobody@example.com&timeout=60s', {
        headers: bearer(TOKEN),
        signal: abort.signal,
      })
      .catch(() => null);
    await expect
      .poll(async () => {
        const { samples } = await scrape(sluice);
        return [samples.get('sluice_event_clients'), samples.get('sluice_wait_requests')];
      })
      .toEqual([1, 1]);
    abort.abort();
    await wait;
    await expect
      .poll(async () => {
        const { samples } = await scrape(sluice);
        return [samples.get('sluice_event_clients'), samples.get('sluice_wait_requests')];
      })
      .toEqual([0, 0]);
  });
});
