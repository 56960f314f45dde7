import { request } from 'node:http';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendFixture } from './support.js';

// The Host allow-list and the cross-site checks, on a loopback listener and on one bound to
// every interface (0.0.0.0), which the tests reach through 127.0.0.2: a second address of
// this machine that is not the one the name "localhost" stands for.

interface Answer {
  readonly status: number;
  readonly code: string | null;
}

/** One request through node:http, which sends Host, Origin and Sec-Fetch-* exactly as given. */
function send(
  sluice: TestSluice,
  address: string,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        port: sluice.addresses.http.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        setHost: options.headers?.host === undefined,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          let code: string | null = null;
          try {
            code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? null;
          } catch {
            // Not JSON (the inbox page): no error code.
          }
          resolve({ status: res.statusCode ?? 0, code });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe.each([
  ['loopback', '127.0.0.1', '127.0.0.1'],
  ['every interface (0.0.0.0)', '0.0.0.0', '127.0.0.2'],
])('HTTP on %s', (_name, bind, address) => {
  let sluice: TestSluice;
  let id: number;
  let port: number;
  beforeAll(async () => {
    sluice = await startSluice([
      '--http',
      `${bind}:0`,
      '--http-allowed-hosts',
      'mail.example.test, *.corp.test',
    ]);
    port = sluice.addresses.http.port;
    id = await sendFixture(sluice, 'multipart-related-inline-image.eml', {
      from: 'billing@sluice.test',
      to: ['bob@example.com'],
    });
  });
  afterAll(() => sluice.close());

  const get = (path: string, headers: Record<string, string>) =>
    send(sluice, address, { path, headers });

  it.each([
    'localhost',
    'LOCALHOST',
    'localhost.',
    '127.0.0.1',
    '127.0.0.2',
    '10.20.30.40',
    '[::1]',
    '[fe80::1]',
    hostname(),
    'sluice',
    'mail.example.test',
    'a.corp.test',
    'deep.a.corp.test',
  ])('serves Host %s', async (host) => {
    for (const value of [host, `${host}:${port}`]) {
      const answer = await get('/api/messages', { host: value });
      expect(answer.status, value).toBe(200);
    }
  });

  it.each([
    'attacker.example',
    'localhost.attacker.example',
    '127.0.0.1.attacker.example',
    'corp.test',
    'evilcorp.test',
    'mail.example.test.attacker.example',
    '',
  ])('refuses Host %j on every path (DNS rebinding)', async (host) => {
    for (const path of ['/api/messages', '/', '/api/events', `/api/messages/${id}/raw`]) {
      const answer = await get(path, { host });
      expect(answer, `${path} ${host}`).toEqual({ status: 403, code: 'forbidden_host' });
    }
  });

  it.each(['user@localhost', 'local host'])('never serves a malformed Host %j', async (host) => {
    // Node's HTTP parser answers 400 before Sluice sees it; either way nothing is served.
    expect([400, 403]).toContain((await get('/api/messages', { host })).status);
  });

  it('a rebinding page (Host and Origin of its own name) can neither read nor delete', async () => {
    const attacker = {
      host: `attacker.example:${port}`,
      origin: `http://attacker.example:${port}`,
    };
    expect(await get('/api/messages', attacker)).toEqual({ status: 403, code: 'forbidden_host' });
    const deleted = await send(sluice, address, {
      path: '/api/messages/delete',
      method: 'POST',
      headers: { ...attacker, ...JSON_TYPE },
      body: '{"all": true}',
    });
    expect(deleted).toEqual({ status: 403, code: 'forbidden_host' });
    expect((await sluice.getJson('/api/messages')).total).toBe(1);
  });

  it('refuses an Origin that is not the Host it was sent to', async () => {
    const host = `localhost:${port}`;
    for (const origin of [
      'http://attacker.example',
      `http://localhost:${port + 1}`,
      `http://127.0.0.1:${port}`,
      'null',
    ]) {
      expect(await get('/api/messages', { host, origin }), origin).toEqual({
        status: 403,
        code: 'forbidden_origin',
      });
    }
    expect((await get('/api/messages', { host, origin: `http://${host}` })).status).toBe(200);
  });

  it('refuses other sites by Sec-Fetch-Site, except a person following a link', async () => {
    const host = `localhost:${port}`;
    const site = (value: string, extra: Record<string, string> = {}) =>
      get('/api/messages', { host, 'sec-fetch-site': value, ...extra });
    expect(
      await site('cross-site', { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }),
    ).toEqual({ status: 403, code: 'forbidden_origin' });
    expect(
      await site('same-site', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' }),
    ).toEqual({ status: 403, code: 'forbidden_origin' });
    expect(
      await site('cross-site', { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' }),
    ).toEqual({ status: 403, code: 'forbidden_origin' });
    expect((await site('same-origin')).status).toBe(200);
    expect((await site('none')).status).toBe(200);
    // A link in a chat or a ticket: a top-level GET navigation, whose answer only the person sees.
    const link = {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    };
    expect((await get('/', { host, ...link })).status).toBe(200);
    expect((await get(`/api/messages/${id}/raw`, { host, ...link })).status).toBe(200);
    const posted = await send(sluice, address, {
      path: '/api/messages/delete',
      method: 'POST',
      headers: { host, ...link, ...JSON_TYPE },
      body: '{"all": true}',
    });
    expect(posted).toEqual({ status: 403, code: 'forbidden_origin' });
    expect((await sluice.getJson('/api/messages')).total).toBe(1);
  });

  it('lets the preview frame load a signed image, and nothing else cross-site', async () => {
    const host = `localhost:${port}`;
    const html = await (await sluice.api(`/api/messages/${id}/html`)).text();
    const signed = /src="([^"]+\/cid\/[^"]+)"/.exec(html)![1]!;
    const frame = { host, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' };
    const image = { ...frame, 'sec-fetch-dest': 'image' };
    expect(await get(signed, image)).toEqual({ status: 200, code: null });
    expect(await get(signed.split('?')[0]!, image)).toEqual({
      status: 403,
      code: 'forbidden_origin',
    });
    expect(await get(signed, { ...frame, 'sec-fetch-dest': 'script' })).toEqual({
      status: 403,
      code: 'forbidden_origin',
    });
    expect(await get(`/api/messages/${id}/raw`, image)).toEqual({
      status: 403,
      code: 'forbidden_origin',
    });
  });

  it('a write without a body needs no Content-Type; a body must be JSON', async () => {
    const host = `localhost:${port}`;
    const post = (headers: Record<string, string>, body?: string) =>
      send(sluice, address, {
        path: '/api/relay/outbox/1/retry',
        method: 'POST',
        headers: { host, ...headers },
        body,
      });
    // The relay is off here: reaching the route at all answers 409 relay_off.
    expect(await post({})).toEqual({ status: 409, code: 'relay_off' });
    expect(await post({ 'content-length': '0' })).toEqual({ status: 409, code: 'relay_off' });
    expect(await post(JSON_TYPE, '{}')).toEqual({ status: 409, code: 'relay_off' });
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      expect(await post({ 'content-type': type }, ''), type).toEqual({
        status: 415,
        code: 'unsupported_media_type',
      });
    }
    expect(await post({}, '{"a": 1}')).toEqual({ status: 415, code: 'unsupported_media_type' });
    // Without a body, another site's write is still refused, by its Origin or Sec-Fetch-Site.
    expect(await post({ origin: 'http://attacker.example' })).toEqual({
      status: 403,
      code: 'forbidden_origin',
    });
    expect(await post({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' })).toEqual({
      status: 403,
      code: 'forbidden_origin',
    });
    expect(await post({ 'transfer-encoding': 'chunked' }, '{}')).toEqual({
      status: 415,
      code: 'unsupported_media_type',
    });
  });
});
