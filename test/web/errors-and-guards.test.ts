import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectJsonError, rawRequest, sendFixture } from './support.js';

let sluice: TestSluice;
let id: number;
beforeAll(async () => {
  sluice = await startSluice();
  id = await sendFixture(sluice, 'multipart-related-inline-image.eml', {
    from: 'billing@sluice.test',
    to: ['bob@example.com'],
  });
});
afterAll(() => sluice.close());

const JSON_TYPE = { 'content-type': 'application/json' };

describe('invalid parameters', () => {
  it.each([
    ['limit=0', '/api/messages?limit=0', 'invalid_request', 'limit'],
    ['limit=501', '/api/messages?limit=501', 'invalid_request', 'limit'],
    ['limit=abc', '/api/messages?limit=abc', 'invalid_request', 'limit'],
    ['limit=1e2', '/api/messages?limit=1e2', 'invalid_request', 'limit'],
    ['limit=2.5', '/api/messages?limit=2.5', 'invalid_request', 'limit'],
    ['before=-1', '/api/messages?before=-1', 'invalid_request', 'before'],
    ['before=abc', '/api/messages?before=abc', 'invalid_request', 'before'],
    ['after=1.5', '/api/messages?after=1.5', 'invalid_request', 'after'],
    ['id=abc', '/api/messages/abc', 'invalid_request', 'message id'],
    ['id=-1', '/api/messages/-1', 'invalid_request', 'message id'],
    ['id too large', '/api/messages/99999999999999999999', 'invalid_request', 'message id'],
    ['id=abc on raw', '/api/messages/abc/raw', 'invalid_request', 'message id'],
    ['bad operator', '/api/messages?query=is%3Abogus', 'invalid_query', 'is:bogus'],
    ['bad operator on search', '/api/search?q=has%3Anothing', 'invalid_query', 'has:nothing'],
    ['bad date', '/api/messages?query=before%3Ayesterday', 'invalid_query', 'before'],
    ['search without query', '/api/search', 'invalid_request', 'query'],
    ['partId=abc', `/api/messages/1/parts/abc`, 'invalid_request', 'partId'],
  ])('%s -> 400 JSON', async (_name, path, code, mentions) => {
    const response = await sluice.api(path);
    expect(response.status).toBe(400);
    const body = await expectJsonError(response);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toContain(mentions);
  });

  it.each([
    ['mark without read', '/api/messages/mark', { all: true }],
    ['mark with read as a string', '/api/messages/mark', { read: 'yes', all: true }],
    ['mark with no selection', '/api/messages/mark', { read: true }],
    ['mark with two selections', '/api/messages/mark', { read: true, ids: [1], all: true }],
    ['mark with empty ids', '/api/messages/mark', { read: true, ids: [] }],
    ['delete with ids that are not ids', '/api/messages/delete', { ids: ['1'] }],
    ['delete with all: false', '/api/messages/delete', { all: false }],
    ['delete with an empty query', '/api/messages/delete', { query: '  ' }],
    // These parse to no terms, which would match every message.
    ['delete with a query of empty quotes', '/api/messages/delete', { query: '""' }],
    ['delete with a query of NULs', '/api/messages/delete', { query: '\u0000\u0000' }],
    ['mark with a query of empty quotes', '/api/messages/mark', { read: true, query: '"" ""' }],
    ['delete with an array', '/api/messages/delete', [1, 2]],
  ])('%s -> 400 JSON', async (_name, path, body) => {
    const response = await sluice.api(path, { json: body });
    expect(response.status).toBe(400);
    expect((await expectJsonError(response)).error.code).toBe('invalid_request');
  });

  it('a bad query in a bulk action is 400 invalid_query and changes nothing', async () => {
    const response = await sluice.api('/api/messages/delete', { json: { query: 'is:bogus' } });
    expect(response.status).toBe(400);
    expect((await expectJsonError(response)).error.code).toBe('invalid_query');
    expect((await sluice.getJson(`/api/messages/${id}`)).id).toBe(id);
  });

  it('PATCH without a boolean read is 400 JSON', async () => {
    for (const body of [{}, { read: 1 }, null, []]) {
      const response = await sluice.api(`/api/messages/${id}`, { method: 'PATCH', json: body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      await expectJsonError(response);
    }
  });
});

describe('routes', () => {
  it.each([
    ['GET', '/api/nothing-here'],
    ['GET', '/api/messages/1/nothing'],
    ['PUT', '/api/messages/1'],
    ['GET', '/api/v3/messages'],
  ])('%s %s -> 404 JSON', async (method, path) => {
    const response = await sluice.api(path, {
      method,
      headers: JSON_TYPE,
      body: method === 'GET' ? undefined : '{}',
    });
    expect(response.status).toBe(404);
    const body = await expectJsonError(response);
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toContain('openapi.json');
  });

  // The compatibility dialects' paths (docs/architecture.md): answered by the dialect, never the inbox page.
  it.each([
    '/api/v1/messages',
    '/api/v2/messages',
    '/api/v1/message/999',
    '/email',
    '/email/999',
    '/messages',
    '/messages/999.json',
  ])('serves %s from a dialect, never the inbox page', async (path) => {
    const response = await sluice.api(path);
    // Their bodies may quote captured HTML (MailHog and MailDev lists carry whole messages),
    // so the type tells: never the inbox's text/html.
    expect(response.headers.get('content-type')).toMatch(/json|text\/plain/);
    expect(await response.text()).not.toMatch(/<script[^>]+src="\/assets\//i);
  });
});

describe('request bodies', () => {
  it.each([
    ['no content type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['json-like', { 'content-type': 'application/jsonp' }],
  ])('a write with %s -> 415 JSON', async (_name, headers: Record<string, string>) => {
    for (const [method, path] of [
      ['POST', '/api/messages/mark'],
      ['POST', '/api/messages/delete'],
      ['PATCH', `/api/messages/${id}`],
    ] as const) {
      const response = await fetch(sluice.baseUrl + path, {
        method,
        headers,
        body: '{"read": true, "all": true}',
      });
      expect(response.status, `${method} ${path}`).toBe(415);
      expect((await expectJsonError(response)).error.code).toBe('unsupported_media_type');
    }
    expect((await sluice.getJson(`/api/messages/${id}`)).read).toBe(false);
  });

  it('accepts JSON with a charset parameter', async () => {
    const response = await fetch(sluice.baseUrl + '/api/messages/mark', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ read: false, ids: [id] }),
    });
    expect(response.status).toBe(200);
  });

  it.each(['{"read": true,', '', 'not json', '{"read": true}}'])(
    'malformed JSON %j -> 400 JSON',
    async (body) => {
      const response = await fetch(sluice.baseUrl + '/api/messages/mark', {
        method: 'POST',
        headers: JSON_TYPE,
        body,
      });
      expect(response.status).toBe(400);
      expect((await expectJsonError(response)).error.message).toContain('JSON');
    },
  );

  it('a body over 1 MB -> 413 JSON, and the next request still works', async () => {
    const big = JSON.stringify({ read: true, ids: [id], padding: 'x'.repeat(1024 * 1024) });
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(sluice.baseUrl + '/api/messages/mark', {
        method: 'POST',
        headers: JSON_TYPE,
        body: big,
      });
      expect(response.status).toBe(413);
      expect((await expectJsonError(response)).error.code).toBe('payload_too_large');
      // Regression: the connection used to be kept alive and then dropped under the client.
      expect((await sluice.api('/api/health')).status).toBe(200);
    }
    expect((await sluice.getJson(`/api/messages/${id}`)).read).toBe(false);
  });

  it('a streamed body over 1 MB (no Content-Length) -> 413 JSON', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0)
          controller.enqueue(new TextEncoder().encode('{"read":true,"all":true,"p":"'));
        if (sent > 2 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(sluice.baseUrl + '/api/messages/mark', {
      method: 'POST',
      headers: JSON_TYPE,
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await expectJsonError(response)).error.code).toBe('payload_too_large');
  });
});

describe('origin and host checks', () => {
  it.each([
    ['GET', '/api/messages'],
    ['GET', `/api/messages/${1}/raw`],
    ['POST', '/api/messages/mark'],
    ['DELETE', '/api/messages'],
  ])('a foreign Origin on %s %s -> 403 JSON', async (method, path) => {
    for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'null']) {
      const response = await fetch(sluice.baseUrl + path, {
        method,
        headers: { origin, ...JSON_TYPE },
        body: method === 'POST' ? '{"read": true, "all": true}' : undefined,
      });
      expect(response.status, origin).toBe(403);
      expect((await expectJsonError(response)).error.code).toBe('forbidden_origin');
    }
    const listed = await sluice.getJson('/api/messages');
    expect(listed.total).toBe(1);
    expect(listed.unread).toBe(1);
  });

  it('the sandboxed preview frame (Origin: null) may load its signed images, and nothing else', async () => {
    const html = await (await sluice.api(`/api/messages/${id}/html`)).text();
    const signed = /src="([^"]+\/cid\/logo%40sluice\.test\?k=[^"]+)"/.exec(html)![1]!;
    const frame = { origin: 'null', 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'image' };
    const part = await sluice.api(signed, { headers: frame });
    expect(part.status).toBe(200);
    expect(part.headers.get('content-type')).toBe('image/png');
    expect((await part.arrayBuffer()).byteLength).toBeGreaterThan(0);

    const unsigned = signed.split('?')[0]!;
    const signature = signed.split('?k=')[1]!;
    const forged = signature.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    for (const path of [
      unsigned,
      `${unsigned}?k=${forged}`,
      `/api/messages/${id}/parts/1?k=${signature}`,
      '/api/messages',
      `/api/messages/${id}/raw`,
      `/api/messages/${id}/html`,
    ]) {
      const refused = await sluice.api(path, { headers: frame });
      expect(refused.status, path).toBe(403);
    }
    // Only as an image: the same link as a document or a script is refused.
    for (const dest of ['document', 'script']) {
      const other = await sluice.api(signed, { headers: { ...frame, 'sec-fetch-dest': dest } });
      expect(other.status, dest).toBe(403);
    }
  });

  it('an Origin on another port of the same host is foreign', async () => {
    const port = sluice.addresses.http.port;
    const response = await sluice.api('/api/messages', {
      headers: { origin: `http://127.0.0.1:${port === 65535 ? 1 : port + 1}` },
    });
    expect(response.status).toBe(403);
  });

  it.each([
    'evil.example',
    'evil.example:8025',
    '127.0.0.1.evil.example',
    'localhost.evil.example',
  ])('Host: %j -> 403 JSON (DNS rebinding)', async (host) => {
    const response = await rawRequest(sluice, { path: '/api/messages', headers: { host } });
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body).error.code).toBe('forbidden_host');
  });

  it('allows the names a local browser uses, with an Origin that matches the Host', async () => {
    const port = sluice.addresses.http.port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const read = await rawRequest(sluice, {
        path: '/api/messages',
        headers: { host, origin: `http://${host}` },
      });
      expect(read.status, host).toBe(200);
      const write = await rawRequest(sluice, {
        path: '/api/messages/mark',
        method: 'POST',
        headers: { host, origin: `http://${host}`, ...JSON_TYPE },
        body: JSON.stringify({ read: false, ids: [id] }),
      });
      expect(write.status, host).toBe(200);
      expect(JSON.parse(write.body)).toEqual({ updated: 0 });
    }
  });
});

describe('content types', () => {
  // Every /api answer is JSON, except the captured content and the event stream.
  const NOT_JSON = /\/(raw|parts\/\d+|cid\/[^/]+|html)(\?|$)/;
  it('answers JSON everywhere else, for successes and errors alike', async () => {
    const requests: Array<[string, string, unknown?]> = [
      ['GET', '/api/health'],
      ['GET', '/api/info'],
      ['GET', '/api/openapi.json'],
      ['GET', '/api/messages'],
      ['GET', '/api/search?q=receipt'],
      ['GET', '/api/messages/wait?timeout=0s'],
      ['GET', '/api/messages/wait?query=to%3Anobody&timeout=0s'],
      ['GET', `/api/messages/${id}`],
      ['GET', `/api/messages/${id}/headers`],
      ['GET', `/api/messages/${id}/raw`],
      ['GET', `/api/messages/${id}/html`],
      ['GET', `/api/messages/${id}/parts/1`],
      ['GET', `/api/messages/${id}/cid/logo@sluice.test`],
      ['GET', '/api/messages/999999/raw'],
      ['GET', `/api/messages/${id}/parts/9`],
      ['PATCH', `/api/messages/${id}`, { read: false }],
      ['POST', '/api/messages/mark', { read: false, ids: [id] }],
      ['POST', '/api/messages/delete', { ids: [999_999] }],
      ['DELETE', '/api/messages/999999'],
      ['GET', '/api/nowhere'],
    ];
    for (const [method, path, json] of requests) {
      const response = await sluice.api(path, { method, json });
      const type = response.headers.get('content-type') ?? '';
      const capturedContent = response.status === 200 && NOT_JSON.test(path);
      if (capturedContent) expect(type, path).not.toMatch(/json/);
      else {
        expect(type, `${method} ${path} (${response.status})`).toMatch(/^application\/json/);
        JSON.parse(await response.text());
      }
    }
    const events = await fetch(`${sluice.baseUrl}/api/events`);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await events.body?.cancel();
  });
});
