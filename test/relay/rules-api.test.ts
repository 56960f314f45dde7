import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { SseClient } from '../web/sse.js';
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
import { createCertificate, TestUpstream } from './upstream.js';

// Rules, approval and manual release through the HTTP API, with a real upstream.

const dir = tempDir();
let server: TestUpstream;
let sluice: TestSluice;

beforeAll(async () => {
  server = await TestUpstream.start({ certificate: await createCertificate() });
  sluice = await startRelaySluice(dir, {
    upstreams: [{ name: 'up', host: '127.0.0.1', port: server.port, tls: 'none' }],
    rules: [
      { name: 'staff', match: { recipient: '*@ourcompany.test' }, action: 'relay' },
      {
        name: 'qa aliases',
        match: { recipient: '/^qa\\+.*@example\\.test$/' },
        action: 'relay',
        rewrite: 'safe@ourcompany.test',
      },
      { name: 'customers', match: { recipient: '*@customer.test' }, action: 'hold' },
      { name: 'blocked', match: { recipient: '*@blocked.test' }, action: 'capture' },
      { name: 'flagged', match: { header: { name: 'X-Release', value: 'yes' } }, action: 'relay' },
    ],
    // Manual release to typed addresses (release-policy.test.ts covers the refusals).
    release_to: ['*@elsewhere.test'],
    retry: FAST_RETRY,
  });
});
afterAll(async () => {
  await sluice.close();
  await server.close();
  dir.remove();
});

async function post(path: string, json: unknown) {
  const response = await sluice.api(path, { json });
  return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('rules, per recipient, first match wins', () => {
  it('splits one message: relayed, held, captured by default, captured by a rule', async () => {
    const to = ['ann@ourcompany.test', 'bob@customer.test', 'eve@elsewhere.test', 'x@blocked.test'];
    const id = await capture(sluice, to, SAMPLE('split'));
    const held = await waitFor(async () => {
      const e = await explain(sluice, id);
      return e.outbox.entries.some((x) => x.state === 'sent') && e;
    }, 'the relayed recipient');
    expect(held.decisions.map((d) => [d.recipient, d.action, d.rule])).toEqual([
      ['ann@ourcompany.test', 'relay', 'staff'],
      ['bob@customer.test', 'hold', 'customers'],
      ['eve@elsewhere.test', 'capture', null],
      ['x@blocked.test', 'capture', 'blocked'],
    ]);
    expect(held.decisions[2]!.reason).toMatch(/no rule matched/);
    expect(held.outbox.entries.map((e) => [e.recipient, e.state, e.reason])).toEqual([
      ['ann@ourcompany.test', 'sent', 'staff'],
      ['bob@customer.test', 'held', 'customers'],
    ]);
    expect(server.deliveredTo('split')).toEqual(['ann@ourcompany.test']);
  });

  it('rewrites to one safe address, keeping the original recipient on record', async () => {
    const id = await capture(sluice, ['qa+42@example.test'], SAMPLE('rewrite'));
    const { outbox, decisions } = await settled(sluice, id);
    expect(decisions[0]).toMatchObject({
      action: 'relay',
      rule: 'qa aliases',
      sendTo: 'safe@ourcompany.test',
    });
    expect(outbox.entries[0]).toMatchObject({
      recipient: 'safe@ourcompany.test',
      originalRecipient: 'qa+42@example.test',
      state: 'sent',
    });
    expect(server.deliveredTo('rewrite')).toEqual(['safe@ourcompany.test']);
  });

  it('matches a header', async () => {
    const raw = Buffer.from('X-Release: yes\r\nSubject: header rule\r\n\r\nbody\r\n');
    const id = await capture(sluice, ['anyone@elsewhere.test'], raw);
    const { decisions } = await settled(sluice, id);
    expect(decisions[0]!.rule).toBe('flagged');
    expect(server.deliveredTo('header rule')).toEqual(['anyone@elsewhere.test']);
  });
});

describe('approve and reject held messages', () => {
  it('approve sends the held recipients; reject cancels them; neither touches the others', async () => {
    const a = await capture(sluice, ['c1@customer.test'], SAMPLE('approve me'));
    const b = await capture(sluice, ['c2@customer.test'], SAMPLE('reject me'));
    for (const id of [a, b])
      await waitFor(
        async () => (await explain(sluice, id)).outbox.entries[0]?.state === 'held',
        'held',
      );

    const approved = await post('/api/relay/approve', { ids: [a] });
    expect(approved.status).toBe(200);
    expect(approved.body.entries.map((e: { state: string }) => e.state)).toEqual(['queued']);
    const rejected = await post('/api/relay/reject', { ids: [b] });
    expect(rejected.body.entries.map((e: { state: string }) => e.state)).toEqual(['cancelled']);

    expect((await settled(sluice, a)).outbox.entries[0]!.state).toBe('sent');
    expect((await explain(sluice, b)).outbox.entries[0]!.state).toBe('cancelled');
    expect(server.deliveredTo('approve me')).toEqual(['c1@customer.test']);
    expect(server.deliveredTo('reject me')).toEqual([]);
    // Approving again finds nothing held.
    expect((await post('/api/relay/approve', { ids: [a, b] })).body.entries).toEqual([]);
  });

  it('refuses a body without ids', async () => {
    const response = await post('/api/relay/approve', { all: true });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });
});

describe('manual release', () => {
  it('sends to typed addresses', async () => {
    const id = await capture(sluice, ['eve@elsewhere.test'], SAMPLE('typed release'));
    const released = await post(`/api/messages/${id}/release`, {
      to: ['Typed@Elsewhere.test', 'two@elsewhere.test'],
    });
    expect(released.status).toBe(200);
    expect(released.body.entries).toHaveLength(2);
    const { outbox } = await settled(sluice, id, 2);
    expect(outbox.entries.every((e) => e.state === 'sent' && e.reason === 'manual release')).toBe(
      true,
    );
    // The upstream (smtp-server) lower-cases the domain it reports; the local part is as typed.
    expect(server.deliveredTo('typed release').sort()).toEqual([
      'Typed@elsewhere.test',
      'two@elsewhere.test',
    ]);
  });

  it('sends to the original recipients when no addresses are given', async () => {
    const id = await capture(sluice, ['orig@elsewhere.test'], SAMPLE('release original'));
    expect((await post(`/api/messages/${id}/release`, {})).status).toBe(200);
    await settled(sluice, id);
    expect(server.deliveredTo('release original')).toEqual(['orig@elsewhere.test']);
  });

  it('refuses addresses a rule captures, naming the rule, and sends nothing', async () => {
    const id = await capture(sluice, ['eve@elsewhere.test'], SAMPLE('denied release'));
    const response = await post(`/api/messages/${id}/release`, {
      to: ['ok@elsewhere.test', 'x@blocked.test'],
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('relay_denied');
    expect(response.body.error.message).toContain('x@blocked.test (rule "blocked" captures it');
    expect((await explain(sluice, id)).outbox.entries).toEqual([]);
  });

  it.each([
    ['a CR/LF injection', 'a@example.test\r\nRCPT TO:<evil@example.test>'],
    ['a bare LF', 'a@example.test\nDATA'],
    ['no domain', 'just-a-name'],
    ['spaces', 'two words@example.test'],
    ['angle brackets', '<a@example.test>'],
    ['a number', 42],
  ])('refuses %s with 400', async (_what, address) => {
    const id = await capture(sluice, ['eve@elsewhere.test'], SAMPLE('malformed'));
    const response = await post(`/api/messages/${id}/release`, { to: [address] });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_address');
    expect((await explain(sluice, id)).outbox.entries).toEqual([]);
  });

  it('404 for a message that does not exist', async () => {
    expect((await post('/api/messages/999999/release', {})).status).toBe(404);
  });
});

describe('outbox API', () => {
  it('lists entries newest first with a cursor, filtered by state', async () => {
    // Entries of its own, so that it does not count on the tests before it.
    for (const n of [1, 2, 3, 4]) {
      await settled(
        sluice,
        await capture(sluice, [`list${n}@ourcompany.test`], SAMPLE(`list ${n}`)),
      );
    }
    await capture(sluice, ['held@customer.test'], SAMPLE('list held'));
    const first = await sluice.getJson('/api/relay/outbox?limit=1');
    expect(first.entries).toHaveLength(1);
    expect(first.nextCursor).toBe(first.entries[0].id);
    const second = await sluice.getJson(`/api/relay/outbox?limit=1&before=${first.nextCursor}`);
    expect(second.entries[0].id).toBeLessThan(first.entries[0].id);
    const sent = await sluice.getJson('/api/relay/outbox?state=sent&limit=500');
    expect(sent.entries.length).toBeGreaterThanOrEqual(4);
    expect(sent.entries.every((e: { state: string }) => e.state === 'sent')).toBe(true);
    const held = await sluice.getJson('/api/relay/outbox?state=held,failed&limit=500');
    expect(held.entries.length).toBeGreaterThanOrEqual(1);
    expect(held.entries.every((e: { state: string }) => e.state !== 'sent')).toBe(true);
    expect((await sluice.api('/api/relay/outbox?state=lost')).status).toBe(400);
  });

  it('cancels a held entry; a cancelled entry can be neither cancelled nor retried', async () => {
    const id = await capture(sluice, ['c3@customer.test'], SAMPLE('cancel then retry'));
    const entry = await waitFor(
      async () => (await explain(sluice, id)).outbox.entries[0],
      'held entry',
    );
    const cancelled = await post(`/api/relay/outbox/${entry.id}/cancel`, {});
    expect(cancelled.body.state).toBe('cancelled');
    const again = await post(`/api/relay/outbox/${entry.id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_state');
    expect((await post(`/api/relay/outbox/${entry.id}/retry`, {})).status).toBe(409);
    expect((await post('/api/relay/outbox/999999/retry', {})).status).toBe(404);
  });

  it('retries a failed entry now', async () => {
    // A release to an address the upstream refuses, then a retry: the attempt count grows.
    const refusing = await TestUpstream.start({
      certificate: await createCertificate(),
      rcpt: () => ({ code: 550, message: '5.1.1 Unknown' }),
    });
    const local = await startRelaySluice(dir, {
      upstreams: [{ name: 'up', host: '127.0.0.1', port: refusing.port, tls: 'none' }],
      rules: [{ match: { recipient: '*' }, action: 'relay' }],
      retry: FAST_RETRY,
    });
    try {
      const id = await capture(local, ['x@y.test']);
      const failed = (await settled(local, id)).outbox.entries[0]!;
      expect(failed.state).toBe('failed');
      const response = await local.api(`/api/relay/outbox/${failed.id}/retry`, { json: {} });
      expect(((await response.json()) as { state: string }).state).toBe('queued');
      const after = await waitFor(async () => {
        const e = await explain(local, id);
        return e.outbox.attempts.length === 2 && e.outbox.entries[0]!.state === 'failed' && e;
      }, 'a second attempt');
      expect(after.outbox.entries[0]!.attempts).toBe(2);
    } finally {
      await local.close();
      await refusing.close();
    }
  });
});

describe('relay off', () => {
  it('says so, explains that everything is captured, and refuses releases with 409', async () => {
    const plain = await startSluice();
    try {
      expect(await plain.getJson('/api/relay/status')).toEqual({ mode: 'off' });
      const id = await capture(plain, ['a@example.test']);
      const e = await explain(plain, id);
      expect(e.mode).toBe('off');
      expect(e.decisions[0]!.action).toBe('capture');
      const response = await plain.api(`/api/messages/${id}/release`, { json: {} });
      expect(response.status).toBe(409);
      expect(((await response.json()) as any).error.code).toBe('relay_off'); // eslint-disable-line @typescript-eslint/no-explicit-any
      const outbox = await plain.api('/api/relay/outbox');
      expect(outbox.status).toBe(409);
      expect((await plain.getJson('/api/info')).relay).toEqual({ mode: 'off' });
    } finally {
      await plain.close();
    }
  });
});

describe('realtime', () => {
  it('/api/events carries outbox changes: held, then queued, sending and sent', async () => {
    const events = await SseClient.connect(`${sluice.baseUrl}/api/events`);
    try {
      await events.next('hello');
      const id = await capture(sluice, ['live@customer.test'], SAMPLE('live outbox'));
      const states: string[] = [];
      const collect = async () => {
        const event = await events.next('outbox');
        const { entries } = JSON.parse(event.data) as {
          entries: { messageId: number; state: string }[];
        };
        states.push(...entries.filter((e) => e.messageId === id).map((e) => e.state));
      };
      while (!states.includes('held')) await collect();
      await post('/api/relay/approve', { ids: [id] });
      while (!states.includes('sent')) await collect();
      expect(states).toEqual(['held', 'queued', 'sending', 'sent']);
    } finally {
      events.close();
    }
  });
});
