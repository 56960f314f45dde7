import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPeerReleaseRoute } from '../../src/web/compat/index.js';
import { PROBE_PATHS } from '../../src/web/routes/probes.js';
import { basic, bearer, writeHtpasswd, type TestUser } from '../helpers/auth.js';
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
} from '../relay/support.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';
import { SseClient } from './sse.js';
import { sendFixture, sendMail } from './support.js';

// Sign-in and roles over real sockets: a users file written by Apache's htpasswd, an inline
// user, bearer tokens, and a relay with a real upstream. Who releases is recorded.

const USERS: TestUser[] = [
  { name: 'alice', password: 'alice-Bcrypt-pw1', scheme: 'bcrypt' },
  { name: 'bob', password: 'bob-Apr1-pw2', scheme: 'apr1' },
  { name: 'carol', password: 'carol-Sha-pw3', scheme: 'sha1' },
  { name: 'dave', password: 'dave-Plain-pw4', scheme: 'plain' },
];
const ERIN = { name: 'erin', password: 'erin:inline:pw5' };
const CI_TOKEN = 'ci0123456789abcdef0123456789abcdef0123456789ab';
const READER_TOKEN = 'rd0123456789abcdef0123456789abcdef0123456789ab';
const alice = basic('alice', 'alice-Bcrypt-pw1');
const bob = basic('bob', 'bob-Apr1-pw2');
const ci = bearer(CI_TOKEN);

const dir = tempDir();
let upstream: TestUpstream;
let sluice: TestSluice;

beforeAll(async () => {
  upstream = await TestUpstream.start({ certificate: await createCertificate() });
  const usersFile = writeHtpasswd(dir.path, USERS);
  const tokensFile = dir.write('tokens', `# CI\nci-bot:${CI_TOKEN}\nreader-bot:${READER_TOKEN}\n`);
  sluice = await startRelaySluice(
    dir,
    {
      upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
      rules: [{ name: 'approval', match: { recipient: '*@hold.test' }, action: 'hold' }],
      retry: FAST_RETRY,
    },
    [
      '--http-auth-file',
      usersFile,
      '--http-auth',
      `${ERIN.name}:${ERIN.password}`,
      '--http-tokens-file',
      tokensFile,
      '--http-releasers',
      'alice,ci-bot',
    ],
  );
});
afterAll(async () => {
  await sluice.close();
  await upstream.close();
  dir.remove();
});

/** A request with a concrete path for a route pattern, and a body for writes. */
function request(method: string, pattern: string, headers: Record<string, string> = {}) {
  const path = pattern.replace(/:\w+/g, '1').replace(/\*$/, 'anything');
  const write = method !== 'GET' && method !== 'HEAD';
  return fetch(sluice.baseUrl + path, {
    method,
    headers: { ...(write ? { 'content-type': 'application/json' } : {}), ...headers },
    body: write ? '{"ids": [1]}' : undefined,
  });
}

describe('without credentials', () => {
  it('every route the app serves answers 401 with a Basic challenge, except the probes', async () => {
    // The route list comes from the running app, so routes added later (the compatibility
    // dialects) are covered by this test without touching it.
    const routes = sluice.app.routes().filter((r) => r.method !== 'ALL');
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/events');
    const extra = ['/api/nowhere', '/nowhere', '/api/v1/messages', '/email', '/'];
    const requests = [...routes, ...extra.map((path) => ({ method: 'GET', path }))];
    for (const { method, path } of requests) {
      const response = await request(method, path);
      const where = `${method} ${path}`;
      if (PROBE_PATHS.has(path)) {
        expect(response.status, where).toBe(200);
        continue;
      }
      expect(response.status, where).toBe(401);
      expect(response.headers.get('www-authenticate'), where).toBe(
        'Basic realm="Sluice", charset="UTF-8"',
      );
      expect(response.headers.get('content-type'), where).toMatch(/^application\/json/);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'unauthorized',
      );
    }
  });

  it('the event stream is refused, not opened', async () => {
    const response = await fetch(`${sluice.baseUrl}/api/events`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).not.toMatch(/event-stream/);
  });
});

describe('signing in', () => {
  it.each([
    ...USERS.map((u) => [u.name, u.scheme, u.password]),
    [ERIN.name, 'inline', ERIN.password],
  ])('%s (%s) signs in and is told who they are', async (name, _scheme, password) => {
    const response = await sluice.api('/api/info', { headers: basic(name!, password!) });
    expect(response.status).toBe(200);
    const info = (await response.json()) as { principal: unknown; http: { auth: string } };
    expect(info.principal).toEqual({
      name,
      role: name === 'alice' ? 'releaser' : 'reader',
      via: 'basic',
    });
    expect(info.http.auth).toBe('on');
  });

  it('a token from a test suite reads the mail its app sent, and the event stream', async () => {
    const events = await SseClient.connect(`${sluice.baseUrl}/api/events`, bearer(READER_TOKEN));
    try {
      await events.next('hello');
      await sendMail(sluice, {
        from: 'app@example.com',
        to: 'signup@example.test',
        subject: 'Confirm your account',
        text: 'Click here',
      });
      const waited = await sluice.api(
        `/api/messages/wait?query=${encodeURIComponent('to:signup@example.test')}&timeout=10s`,
        { headers: bearer(READER_TOKEN) },
      );
      expect(waited.status).toBe(200);
      const message = (await waited.json()) as { id: number; subject: string };
      expect(message.subject).toBe('Confirm your account');
      const stored = await events.next('stored');
      expect(JSON.parse(stored.data).id).toBe(message.id);
      const who = await sluice.as(bearer(READER_TOKEN)).getJson('/api/info');
      expect(who.principal).toEqual({ name: 'reader-bot', role: 'reader', via: 'bearer' });
    } finally {
      events.close();
    }
  });
});

describe('roles', () => {
  it('a reader may read, mark and delete', async () => {
    const id = await capture(sluice, ['someone@example.test']);
    expect((await sluice.api(`/api/messages/${id}`, { headers: bob })).status).toBe(200);
    const marked = await sluice.api(`/api/messages/${id}`, {
      method: 'PATCH',
      headers: bob,
      json: { read: true },
    });
    expect(marked.status).toBe(200);
    const deleted = await sluice.api(`/api/messages/${id}`, { method: 'DELETE', headers: bob });
    expect(deleted.status).toBe(200);
  });

  it('a reader can do none of what the API marks releaser, and changes nothing', async () => {
    const id = await capture(sluice, ['ann@hold.test'], SAMPLE('reader tries'));
    const held = await waitFor(async () => {
      const e = await explain(sluice.as(alice), id);
      return e.outbox.entries[0]?.state === 'held' && e.outbox.entries[0];
    }, 'the held entry');
    const document = await sluice.as(bob).getJson('/api/openapi.json');
    const releaserOperations = Object.entries(
      document.paths as Record<string, Record<string, { 'x-sluice-role'?: string }>>,
    ).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation['x-sluice-role'] === 'releaser')
        .map(([method]) => [method.toUpperCase(), path] as const),
    );
    expect(releaserOperations.map(([method, path]) => `${method} ${path}`).sort()).toEqual([
      'POST /api/messages/{id}/release',
      'POST /api/relay/approve',
      'POST /api/relay/outbox/{id}/cancel',
      'POST /api/relay/outbox/{id}/retry',
      'POST /api/relay/reject',
      'POST /api/relay/verify',
    ]);
    for (const reader of [bob, bearer(READER_TOKEN)]) {
      for (const [method, path] of releaserOperations) {
        const concrete = path
          .replace('{id}/release', `${id}/release`)
          .replace('outbox/{id}', `outbox/${held.id}`);
        const response = await sluice.api(concrete, {
          method,
          headers: reader,
          json: concrete.endsWith('approve') || concrete.endsWith('reject') ? { ids: [id] } : {},
        });
        expect(response.status, `${method} ${concrete}`).toBe(403);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('forbidden_role');
        expect(body.error.message).toContain('--http-releasers');
      }
    }
    const after = await explain(sluice.as(alice), id);
    expect(after.outbox.entries.map((e) => [e.state, e.releasedBy, e.cancelledBy])).toEqual([
      ['held', null, null],
    ]);
    expect(upstream.logins).toBe(0);
  });

  it("a reader cannot release through the peers' dialects either", async () => {
    const id = await capture(sluice, ['ann@example.test'], SAMPLE('reader via dialect'));
    // Every release route of the dialects, as the running app has them.
    const releases = sluice.app
      .routes()
      .filter((r) => isPeerReleaseRoute(r.method, r.path.replace(/:\w+\??/g, '1')));
    expect(releases.length).toBeGreaterThanOrEqual(4);
    for (const { method, path } of releases) {
      // To the message's own recipient, which the release policy allows: only the role refuses.
      const concrete = path.replace(':id', String(id)).replace(/:\w+\??/g, 'ann@example.test');
      const response = await sluice.api(concrete, {
        method,
        headers: bob,
        json: { To: ['ann@example.test'], Email: 'ann@example.test' },
      });
      expect(response.status, `${method} ${concrete}`).toBe(403);
      // Each dialect answers in its peer's error shape (Mailpit's is text); the reason is ours.
      expect(await response.text(), `${method} ${concrete}`).toContain('bob is a reader');
    }
    expect((await explain(sluice.as(alice), id)).outbox.entries).toEqual([]);
    const mailpit = await sluice.api(`/api/v1/message/${id}/release`, {
      headers: alice,
      json: { To: ['ann@example.test'] },
    });
    expect(mailpit.status).toBe(200);
    const { outbox } = await settled(sluice.as(alice), id);
    expect(outbox.entries.map((e) => e.releasedBy)).toEqual(['alice']);
  });

  it('a releaser approves, and the outbox records who', async () => {
    const id = await capture(sluice, ['ann@hold.test'], SAMPLE('approved by alice'));
    await waitFor(
      async () => (await explain(sluice.as(alice), id)).outbox.entries.length > 0,
      'held',
    );
    const approved = await sluice.api('/api/relay/approve', {
      headers: alice,
      json: { ids: [id] },
    });
    expect(approved.status).toBe(200);
    const { outbox } = await settled(sluice.as(alice), id);
    expect(outbox.entries.map((e) => [e.state, e.releasedBy])).toEqual([['sent', 'alice']]);
    const page = await sluice.as(alice).getJson('/api/relay/outbox');
    expect(page.entries.find((e: { messageId: number }) => e.messageId === id).releasedBy).toBe(
      'alice',
    );
  });

  it('a token releases, rejects, retries and cancels, each recorded by its name', async () => {
    const released = await capture(sluice, ['bo@example.test'], SAMPLE('released by ci'));
    // curl -X POST …/release, no body: to the message's own recipients.
    const release = await fetch(`${sluice.baseUrl}/api/messages/${released}/release`, {
      method: 'POST',
      headers: ci,
    });
    expect(release.status).toBe(200);
    const sent = await settled(sluice.as(alice), released);
    expect(sent.outbox.entries.map((e) => [e.state, e.releasedBy])).toEqual([['sent', 'ci-bot']]);

    const rejected = await capture(sluice, ['cy@hold.test'], SAMPLE('rejected by ci'));
    await waitFor(
      async () => (await explain(sluice.as(alice), rejected)).outbox.entries.length > 0,
      'held',
    );
    const reject = await sluice.api('/api/relay/reject', {
      headers: ci,
      json: { ids: [rejected] },
    });
    expect(reject.status).toBe(200);
    const [entry] = ((await reject.json()) as { entries: { state: string; cancelledBy: string }[] })
      .entries;
    expect(entry).toMatchObject({ state: 'cancelled', cancelledBy: 'ci-bot' });

    const later = await capture(sluice, ['di@hold.test'], SAMPLE('retried then cancelled'));
    const held = await waitFor(
      async () => (await explain(sluice.as(alice), later)).outbox.entries[0],
      'held',
    );
    // No body and no Content-Type, as curl -X POST sends it.
    const cancel = await fetch(`${sluice.baseUrl}/api/relay/outbox/${held.id}/cancel`, {
      method: 'POST',
      headers: ci,
    });
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ state: 'cancelled', cancelledBy: 'ci-bot' });
  });
});

describe('roles, everyone', () => {
  it('--http-releasers * makes everyone signed in a releaser', async () => {
    const local = await startRelaySluice(
      dir,
      { upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }] },
      ['--http-auth', 'zed:zed-password', '--http-releasers', '*'],
    );
    try {
      const info = await local.as(basic('zed', 'zed-password')).getJson('/api/info');
      expect(info.principal).toEqual({ name: 'zed', role: 'releaser', via: 'basic' });
    } finally {
      await local.close();
    }
  });
});

describe('the HTML preview', () => {
  it('loads its signed inline images without a password; unsigned ones need one', async () => {
    const id = await sendFixture(sluice, 'multipart-related-inline-image.eml', {
      from: 'billing@sluice.test',
      to: ['bob@example.com'],
    });
    const html = await (await sluice.api(`/api/messages/${id}/html`, { headers: bob })).text();
    const signed = /src="([^"]+\/cid\/[^"]+)"/.exec(html)![1]!;
    // As the sandboxed frame sends it: cross-site, no credentials, as an image.
    const frame = { 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'image' };
    expect((await fetch(sluice.baseUrl + signed, { headers: frame })).status).toBe(200);
    expect((await fetch(sluice.baseUrl + signed.split('?')[0]!, { headers: frame })).status).toBe(
      403,
    );
    expect((await fetch(sluice.baseUrl + signed.split('?')[0]!)).status).toBe(401);
    const raw = `/api/messages/${id}/raw?k=${signed.split('?k=')[1]}`;
    expect((await fetch(sluice.baseUrl + raw)).status).toBe(401);
  });
});

describe('probes', () => {
  it.each([...PROBE_PATHS])('%s answers without sign-in and holds no mail', async (path) => {
    const response = await fetch(sluice.baseUrl + path);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toMatch(/@|subject/i);
  });
});
