import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MessageSummary } from '../../src/store/types.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { SseClient } from './sse.js';
import { expectJsonError, sendMany, sendNumbered } from './support.js';

let sluice: TestSluice;
const open: SseClient[] = [];
beforeAll(async () => {
  sluice = await startSluice();
});
afterEach(() => {
  for (const client of open.splice(0)) client.close();
});
afterAll(() => sluice.close());

/** Connects and waits for the hello, after which the server is subscribed to the store. */
async function connect(query = '', headers: Record<string, string> = {}) {
  const client = await SseClient.connect(`${sluice.baseUrl}/api/events${query}`, headers);
  open.push(client);
  const hello = await client.next();
  expect(hello.event).toBe('hello');
  return { client, hello: JSON.parse(hello.data) as { resumedAfter: number | null } };
}

async function nextStored(client: SseClient): Promise<MessageSummary> {
  const event = await client.next('stored');
  const message = JSON.parse(event.data) as MessageSummary;
  expect(event.id).toBe(String(message.id));
  return message;
}

const latestId = async () =>
  (await sluice.getJson<{ messages: MessageSummary[] }>('/api/messages?limit=1')).messages[0]?.id ??
  0;

describe('GET /api/events', () => {
  it('is an event stream that starts with hello', async () => {
    const { client, hello } = await connect();
    expect(client.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(hello.resumedAfter).toBeNull();
  });

  it('pushes a message received over SMTP as a stored event whose id is the message id', async () => {
    const { client } = await connect();
    const id = await sendNumbered(sluice, 1);
    const message = await nextStored(client);
    expect(message.id).toBe(id);
    expect(message.subject).toBe('Message 1');
    expect(message.envelope.rcptTo).toEqual(['alice@example.com']);
    expect(message).not.toHaveProperty('text');
  });

  it('pushes read and unread changes', async () => {
    const id = await sendNumbered(sluice, 2);
    const { client } = await connect();
    await sluice.api('/api/messages/mark', { json: { read: true, ids: [id] } });
    expect(JSON.parse((await client.next('read')).data)).toEqual({ ids: [id], read: true });
    await sluice.api(`/api/messages/${id}`, { method: 'PATCH', json: { read: false } });
    expect(JSON.parse((await client.next('read')).data)).toEqual({ ids: [id], read: false });
    await sluice.api('/api/messages/mark', { json: { read: true, all: true } });
    expect(JSON.parse((await client.next('read')).data)).toEqual({ ids: 'all', read: true });
  });

  it('pushes deletions, one by one and all at once', async () => {
    const [first, second] = await sendMany(sluice, 2, 10);
    const { client } = await connect();
    await sluice.api(`/api/messages/${first}`, { method: 'DELETE' });
    expect(JSON.parse((await client.next('deleted')).data)).toEqual({ ids: [first] });
    await sluice.api('/api/messages/delete', { json: { ids: [second] } });
    expect(JSON.parse((await client.next('deleted')).data)).toEqual({ ids: [second] });
    await sendNumbered(sluice, 12);
    await sluice.api('/api/messages', { method: 'DELETE' });
    expect(JSON.parse((await client.next('deleted')).data)).toEqual({ ids: 'all' });
  });

  describe.each([
    ['Last-Event-ID', (n: number) => ({ query: '', headers: { 'last-event-id': String(n) } })],
    ['?after', (n: number) => ({ query: `?after=${n}`, headers: {} })],
  ])('resuming with %s', (_name, resume) => {
    it('delivers exactly the messages stored while disconnected, in order, then live ones', async () => {
      const first = await connect();
      const seen = await sendNumbered(sluice, 20);
      expect((await nextStored(first.client)).id).toBe(seen);
      first.client.close();

      const missed = await sendMany(sluice, 5, 21);
      const { query, headers } = resume(seen);
      const { client, hello } = await connect(query, headers);
      expect(hello.resumedAfter).toBe(seen);
      const replayed: number[] = [];
      for (let i = 0; i < missed.length; i++) replayed.push((await nextStored(client)).id);
      expect(replayed).toEqual(missed);

      // A live message comes next: nothing was sent twice in between.
      const live = await sendNumbered(sluice, 26);
      expect((await nextStored(client)).id).toBe(live);
      expect(client.buffered.filter((e) => e.event === 'stored')).toEqual([]);
    });
  });

  it('replays nothing to a client that is up to date', async () => {
    const latest = await latestId();
    const { client } = await connect('', { 'last-event-id': String(latest) });
    const live = await sendNumbered(sluice, 30);
    expect((await nextStored(client)).id).toBe(live);
  });

  it('prefers Last-Event-ID (set by the reconnecting browser) over the ?after it started with', async () => {
    const [a, b] = await sendMany(sluice, 2, 40);
    const { client, hello } = await connect(`?after=${a! - 1}`, { 'last-event-id': String(a) });
    expect(hello.resumedAfter).toBe(a);
    expect((await nextStored(client)).id).toBe(b);
  });

  it('lets go of clients and waiters that go away', async () => {
    // Memory is bounded (docs/architecture.md invariant 6): a closed tab must leave nothing behind.
    const { events, waiters } = sluice.app;
    await expect.poll(() => events.subscriberCount).toBe(0);
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => connect()));
    expect(events.subscriberCount).toBe(5);
    for (const { client } of clients) client.close();
    await expect.poll(() => events.subscriberCount).toBe(0);

    const waiting = new AbortController();
    const wait = fetch(`${sluice.baseUrl}/api/messages/wait?query=to%3Anobody&timeout=60s`, {
      signal: waiting.signal,
    }).catch(() => null);
    await expect.poll(() => waiters.size).toBe(1);
    waiting.abort();
    await wait;
    await expect.poll(() => waiters.size).toBe(0);
  });

  it('refuses a foreign Origin with 403', async () => {
    const response = await fetch(`${sluice.baseUrl}/api/events`, {
      headers: { origin: 'https://evil.example', accept: 'text/event-stream' },
    });
    expect(response.status).toBe(403);
    expect((await expectJsonError(response)).error.code).toBe('forbidden_origin');
  });

  it('refuses a bad ?after with 400 JSON instead of streaming', async () => {
    const response = await fetch(`${sluice.baseUrl}/api/events?after=abc`);
    expect(response.status).toBe(400);
    expect((await expectJsonError(response)).error.code).toBe('invalid_request');
  });
});
