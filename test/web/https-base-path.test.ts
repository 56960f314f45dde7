import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { tempDir } from '../relay/support.js';
import { createCertificate, type TestCertificate } from '../relay/upstream.js';
import { SseClient } from './sse.js';
import { sendFixture } from './support.js';

// HTTPS on the HTTP listener (--http-tls-cert/--http-tls-key), and the whole HTTP side
// under a base path (--http-base-path) for a reverse proxy that keeps the prefix.

const dir = tempDir();
afterAll(() => dir.remove());

interface Fetched {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function fetchTls(port: number, path: string, ca: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    httpsGet({ host: '127.0.0.1', port, path, ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

describe('HTTPS', () => {
  let sluice: TestSluice;
  let certificate: TestCertificate;
  beforeAll(async () => {
    certificate = await createCertificate();
    sluice = await startSluice([
      '--http-tls-cert',
      dir.write('http.crt', certificate.cert),
      '--http-tls-key',
      dir.write('http.key', certificate.key),
    ]);
  });
  afterAll(() => sluice.close());

  it('serves the inbox and the API with the configured certificate, which verifies', async () => {
    const port = sluice.addresses.http.port;
    const page = await fetchTls(port, '/', certificate.cert);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<base href="/">');
    const api = await fetchTls(port, '/api/messages', certificate.cert);
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toMatchObject({ total: 0 });
    const info = JSON.parse((await fetchTls(port, '/api/info', certificate.cert)).body);
    expect(info.http.tls).toBe(true);
  });

  it('does not answer plain HTTP on that port', async () => {
    const plain = new Promise<number>((resolve, reject) => {
      httpGet(
        { host: '127.0.0.1', port: sluice.addresses.http.port, path: '/api/messages' },
        (res) => resolve(res.statusCode ?? 0),
      ).on('error', reject);
    });
    // Node's TLS server answers a plain request with 400 or closes the socket; never with mail.
    await plain.then(
      (status) => expect(status).toBe(400),
      (error: Error) => expect(error.message).toMatch(/socket hang up|ECONNRESET/),
    );
  });
});

describe('--http-base-path /mail/', () => {
  let sluice: TestSluice;
  let id: number;
  beforeAll(async () => {
    sluice = await startSluice(['--http-base-path', 'mail']);
    id = await sendFixture(sluice, 'multipart-related-inline-image.eml', {
      from: 'billing@sluice.test',
      to: ['bob@example.com'],
    });
  });
  afterAll(() => sluice.close());

  it('redirects /mail to /mail/, which serves the inbox with its base', async () => {
    const bare = await sluice.api('/mail', { redirect: 'manual' });
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/mail/');
    const page = await sluice.api('/mail/');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<base href="/mail/">');
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
    const script = await sluice.api(`/mail/${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
    // A deeper page is the same inbox, resolving everything against the same base.
    expect(await (await sluice.api('/mail/some/deep/page')).text()).toContain(
      '<base href="/mail/">',
    );
  });

  it('serves the API, the event stream and the probes under it', async () => {
    expect((await sluice.getJson('/mail/api/messages')).total).toBe(1);
    for (const probe of ['/mail/api/health', '/mail/api/ready', '/mail/readyz', '/mail/livez'])
      expect((await sluice.api(probe)).status, probe).toBe(200);
    const events = await SseClient.connect(`${sluice.baseUrl}/mail/api/events?after=0`);
    try {
      expect(JSON.parse((await events.next('stored')).data).id).toBe(id);
    } finally {
      events.close();
    }
    const document = await sluice.getJson('/mail/api/openapi.json');
    expect(document.servers).toEqual([{ url: '/mail' }]);
    const html = await (await sluice.api(`/mail/api/messages/${id}/html`)).text();
    const image = /src="([^"]+)"/.exec(html)![1]!;
    expect(image.startsWith(`/mail/api/messages/${id}/cid/`)).toBe(true);
    expect((await sluice.api(image)).status).toBe(200);
  });

  it('serves nothing outside it', async () => {
    for (const path of ['/', '/api/messages', '/api/health', '/readyz', '/mailbox', '/mail.html']) {
      const response = await sluice.api(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });
});
