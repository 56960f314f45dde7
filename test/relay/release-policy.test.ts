import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSluice } from '../helpers/sluice.js';
import {
  capture,
  explain,
  FAST_RETRY,
  SAMPLE,
  settled,
  startRelaySluice,
  tempDir,
} from './support.js';
import { createCertificate, TestUpstream } from './upstream.js';

// Manual release is never an open relay: only to the message's own recipients, or to
// addresses relay.release_to allows, and never to an address a capture rule names.

const dir = tempDir();
let upstream: TestUpstream;
let sluice: TestSluice;

beforeAll(async () => {
  upstream = await TestUpstream.start({ certificate: await createCertificate() });
  sluice = await startRelaySluice(dir, {
    upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
    rules: [
      { name: 'never customers', match: { recipient: '*@customer.test' }, action: 'capture' },
    ],
    release_to: ['*@ourcompany.test', '/^qa\\+[a-z0-9]+@example\\.test$/'],
    retry: FAST_RETRY,
  });
});
afterAll(async () => {
  await sluice.close();
  await upstream.close();
  dir.remove();
});

async function release(id: number, body?: unknown) {
  const response =
    body === undefined
      ? await fetch(`${sluice.baseUrl}/api/messages/${id}/release`, { method: 'POST' })
      : await sluice.api(`/api/messages/${id}/release`, { json: body });
  return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('manual release', () => {
  it('refuses an address that is neither a recipient nor allowed, naming why, and queues nothing', async () => {
    const id = await capture(sluice, ['dev@example.test'], SAMPLE('open relay attempt'));
    const answer = await release(id, { to: ['victim@example.net', 'ann@ourcompany.test'] });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('relay_denied');
    expect(answer.body.error.message).toBe(
      'Refused: victim@example.net (not a recipient of this message, and no relay.release_to pattern allows it)',
    );
    expect((await explain(sluice, id)).outbox.entries).toEqual([]);
    expect(upstream.deliveredTo('open relay attempt')).toEqual([]);
  });

  it('sends to the message’s own recipients, with no body (curl -X POST) or named in any case', async () => {
    const id = await capture(
      sluice,
      ['dev@example.test', 'ops@example.test'],
      SAMPLE('own recipients'),
    );
    expect((await release(id)).status).toBe(200);
    await settled(sluice, id, 2);
    const again = await capture(sluice, ['Dev@Example.test'], SAMPLE('named recipient'));
    expect((await release(again, { to: ['dev@example.TEST'] })).status).toBe(200);
    await settled(sluice, again);
    expect(upstream.deliveredTo('own recipients').sort()).toEqual([
      'dev@example.test',
      'ops@example.test',
    ]);
    expect(upstream.deliveredTo('named recipient')).toEqual(['dev@example.test']);
  });

  it('sends to addresses release_to allows, by glob and by /regex/', async () => {
    const id = await capture(sluice, ['dev@example.test'], SAMPLE('release_to'));
    const answer = await release(id, { to: ['Ann@OurCompany.test', 'qa+7@example.test'] });
    expect(answer.status).toBe(200);
    const { outbox } = await settled(sluice, id, 2);
    expect(outbox.entries.map((e) => [e.recipient, e.state, e.reason])).toEqual([
      ['Ann@OurCompany.test', 'sent', 'manual release'],
      ['qa+7@example.test', 'sent', 'manual release'],
    ]);
    expect((await release(id, { to: ['qa+x-y@example.test'] })).status).toBe(403);
  });

  it('never releases to an address a capture rule names, not even its own recipient', async () => {
    const id = await capture(sluice, ['bob@customer.test'], SAMPLE('blocked by a rule'));
    const answer = await release(id);
    expect(answer.status).toBe(403);
    expect(answer.body.error.message).toContain(
      'bob@customer.test (rule "never customers" captures it: it never leaves)',
    );
    expect((await explain(sluice, id)).outbox.entries).toEqual([]);
  });

  it('shows release_to in the status', async () => {
    const status = await sluice.getJson('/api/relay/status');
    expect(status.releaseTo).toEqual(['*@ourcompany.test', '/^qa\\+[a-z0-9]+@example\\.test$/']);
  });
});
