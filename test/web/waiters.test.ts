import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { MessageSummary, NewMessage, Store } from '../../src/store/types.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectJsonError } from './support.js';

// /api/messages/wait under load: one hub listener for every waiter, matching in memory.

const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

async function newMessage(to: string, subject: string, body: string): Promise<NewMessage> {
  const raw = Buffer.from(
    `From: app@example.com\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\n${body}\r\n`,
  );
  return {
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'app@example.com', rcptTo: [to] },
    client: CLIENT,
  };
}

const waitUrl = (sluice: TestSluice, query: string, params = '') =>
  `${sluice.baseUrl}/api/messages/wait?query=${encodeURIComponent(query)}${params}`;

const lastId = async (sluice: TestSluice) =>
  (await sluice.getJson<{ messages: MessageSummary[] }>('/api/messages?limit=1')).messages[0]?.id ??
  0;

describe('waiting requests', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-waiters', '2500']);
  });
  afterAll(() => sluice.close());

  it('2,000 waiters each get their own message when it arrives', async () => {
    const after = await lastId(sluice);
    // Half match on a header (decided from the summary), half on the body (which needs the
    // batch's search text): both paths answer.
    const queries = Array.from({ length: 2000 }, (_, i) =>
      i % 2 === 0 ? `to:waiter-${i}@example.com` : `body:token-${i}-end`,
    );
    // Opened a few hundred at a time: 2,000 connections at once overflow the listen backlog
    // of a busy machine, and a refused connection is no waiter.
    const responses: Promise<Response>[] = [];
    for (let start = 0; start < queries.length; start += 250) {
      for (const query of queries.slice(start, start + 250))
        responses.push(fetch(waitUrl(sluice, query, `&after=${after}&timeout=180s`)));
      await expect.poll(() => sluice.app.waiters.size, { timeout: 60_000 }).toBe(responses.length);
    }

    // Every message matches exactly one waiter (waiter-1@ is not inside waiter-10@), sent in
    // bursts so that batches carry many messages; the order is shuffled.
    const order = queries
      .map((_, i) => i)
      .sort((a, b) => ((a * 7919) % 2000) - ((b * 7919) % 2000));
    const idOf = new Map<number, number>();
    for (let start = 0; start < order.length; start += 100) {
      const burst = order.slice(start, start + 100);
      const stored = await Promise.all(
        burst.map(async (i) =>
          sluice.app.store.addMessage(
            await newMessage(
              `waiter-${i}@example.com`,
              `For waiter ${i}`,
              `Here is token-${i}-end.`,
            ),
          ),
        ),
      );
      burst.forEach((i, k) => idOf.set(i, stored[k]!.id));
    }

    const answers = await Promise.all(responses);
    const bodies = await Promise.all(answers.map((r) => r.json() as Promise<MessageSummary>));
    answers.forEach((response, i) => expect(response.status, queries[i]).toBe(200));
    bodies.forEach((message, i) => expect(message.id, queries[i]).toBe(idOf.get(i)));
    expect(sluice.app.waiters.size).toBe(0);
  }, 180_000);

  it('answers with a message stored while the mailbox search was still running', async () => {
    // The lost wake-up of issue 10: the first match arrives after the search has read the
    // mailbox and before its answer is back. It is the answer, not a later match (nor a
    // timeout). The real store is wrapped, not replaced, to place the message there.
    const store = sluice.app.store;
    const listMessages = store.listMessages;
    const marker = 'to:during-search@example.com';
    let first: MessageSummary | undefined;
    let second: Promise<MessageSummary> | undefined;
    // The forwarders are read-only on the prototype: an own property shadows them.
    const wrapped: Store['listMessages'] = async function (this: Store, options) {
      const page = await listMessages.call(this, options);
      if (options.query?.text === marker && !first) {
        // Stored, and its batch handed to the waiters, before this search answers.
        const seen = new Set<number>();
        let heard: () => void = () => {};
        const flushed = new Promise<void>((resolve) => (heard = resolve));
        const stop = sluice.app.events.listen((events) => {
          for (const event of events) if (event.type === 'stored') seen.add(event.message.id);
          if (first && seen.has(first.id)) heard();
        });
        first = await this.addMessage(await newMessage('during-search@example.com', 'one', 'x'));
        if (seen.has(first.id)) heard();
        await flushed;
        stop();
        const later = newMessage('during-search@example.com', 'two', 'y');
        second = new Promise((resolve) => setTimeout(resolve, 200)).then(async () =>
          this.addMessage(await later),
        );
      }
      return page;
    };
    Object.defineProperty(store, 'listMessages', { value: wrapped, configurable: true });
    try {
      const response = await fetch(waitUrl(sluice, marker, '&timeout=10s'));
      expect(response.status).toBe(200);
      expect(((await response.json()) as MessageSummary).id).toBe(first!.id);
      await second;
    } finally {
      delete (store as Partial<Store>).listMessages;
    }
    expect(store.listMessages).toBe(listMessages);
  });
});

describe('the waiter cap', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-waiters', '3']);
  });
  afterAll(() => sluice.close());

  it('answers 503 with Retry-After beyond --max-waiters, and serves again once one leaves', async () => {
    const aborts = [1, 2, 3].map(() => new AbortController());
    const pending = aborts.map((abort, i) =>
      fetch(waitUrl(sluice, `to:cap-${i}@example.com`, '&timeout=60s'), {
        signal: abort.signal,
      }).catch(() => null),
    );
    await expect.poll(() => sluice.app.waiters.size).toBe(3);

    const refused = await fetch(waitUrl(sluice, 'to:cap-4@example.com', '&timeout=60s'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = await expectJsonError(refused);
    expect(body.error.code).toBe('too_many_waiters');
    expect(body.error.message).toContain('--max-waiters');

    aborts[0]!.abort();
    await pending[0];
    await expect.poll(() => sluice.app.waiters.size).toBe(2);
    const served = await fetch(waitUrl(sluice, 'to:nobody@example.com', '&timeout=0s'));
    expect(served.status).toBe(408);
    for (const abort of aborts) abort.abort();
    await Promise.all(pending);
  });
});
