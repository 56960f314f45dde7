import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSluice } from '../helpers/sluice.js';
import { capture, FAST_RETRY, settled, startRelaySluice, tempDir } from './support.js';
import { createCertificate, TestUpstream } from './upstream.js';

// XOAUTH2 against a real upstream that checks the access token, with a real OAuth2 token
// endpoint on 127.0.0.1. The upstream refuses the first access token it sees (as if it had
// expired), so the relay must go back to the endpoint with its refresh token for a new one.

const dir = tempDir();
const CLIENT_SECRET = 'client-secret-9';
const REFRESH_TOKEN = 'refresh-token-4';
const tokenRequests: URLSearchParams[] = [];
let tokenServer: Server;
let upstream: TestUpstream;
let sluice: TestSluice;

beforeAll(async () => {
  tokenServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      tokenRequests.push(new URLSearchParams(body));
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          access_token: `access-${tokenRequests.length}`,
          expires_in: 3600,
          token_type: 'Bearer',
        }),
      );
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  const tokenPort = (tokenServer.address() as AddressInfo).port;

  // Every first token a client gets is refused, as an expired one would be, so that each
  // client (the sending pool, and /api/relay/status's check) has to refresh: odd tokens
  // are refused, even ones accepted.
  upstream = await TestUpstream.start({
    certificate: await createCertificate(),
    oauth: {
      user: 'app@example.test',
      check: (token) => /^access-\d*[02468]$/.test(token),
    },
  });
  sluice = await startRelaySluice(dir, {
    upstreams: [
      {
        name: 'oauth',
        host: '127.0.0.1',
        port: upstream.port,
        tls: 'none',
        auth: 'xoauth2',
        user: 'app@example.test',
        client_id: 'client-id-1',
        client_secret_file: dir.write('client-secret', CLIENT_SECRET),
        refresh_token_file: dir.write('refresh-token', REFRESH_TOKEN + '\n'),
        access_url: `http://127.0.0.1:${tokenPort}/token`,
      },
    ],
    rules: [{ match: { recipient: '*' }, action: 'relay' }],
    retry: FAST_RETRY,
  });
});
afterAll(async () => {
  await sluice.close();
  await upstream.close();
  await new Promise((resolve) => tokenServer.close(resolve));
  dir.remove();
});

describe('XOAUTH2', () => {
  it('refreshes a refused access token with the refresh token and delivers', async () => {
    // Counted from here: the status test may have run first and refreshed a token of its own.
    const failuresBefore = upstream.authFailures.length;
    const requestsBefore = tokenRequests.length;
    const id = await capture(sluice, ['dev@example.test']);
    const { outbox } = await settled(sluice, id);
    expect(outbox.entries[0]!.state).toBe('sent');
    expect(outbox.attempts).toHaveLength(1);
    expect(upstream.authFailures.slice(failuresBefore)).toEqual(['XOAUTH2 app@example.test']);
    expect(upstream.received[0]!.authMethod).toBe('XOAUTH2');
    expect(tokenRequests.slice(requestsBefore)).toHaveLength(2);
    for (const request of tokenRequests) {
      expect(Object.fromEntries(request)).toMatchObject({
        grant_type: 'refresh_token',
        client_id: 'client-id-1',
        client_secret: CLIENT_SECRET,
        refresh_token: REFRESH_TOKEN,
      });
    }
  });

  it('shows no client secret, refresh token or access token in the status', async () => {
    const status = await (await sluice.api('/api/relay/status')).text();
    expect(JSON.parse(status).upstreams[0].auth).toBe('xoauth2');
    for (const secret of [CLIENT_SECRET, REFRESH_TOKEN, 'access-'])
      expect(status).not.toContain(secret);
  });
});
