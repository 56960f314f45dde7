import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FANOUT_BURST_SECONDS, FanoutBudget } from '../../src/web/hub/fanout-budget.js';
import type { AppOptions } from '../../src/app.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { bulky } from './bulky.js';
import { SseClient } from './sse.js';
import { sendMany } from './support.js';

// Issue 12: many clients, one burst. Under the fan-out budget every client gets every event;
// past it the native stream's clients get one reset ('burst') for the batch and go on.

/** `count` clients, half of them asking for no compression (as curl), half for deflate. */
async function connectMany(sluice: TestSluice, count: number): Promise<SseClient[]> {
  const opened = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      SseClient.connect(
        `${sluice.baseUrl}/api/events`,
        i % 2 === 0 ? { 'accept-encoding': 'identity' } : { 'accept-encoding': 'deflate' },
      ),
    ),
  );
  for (const client of opened) await client.next('hello');
  return opened;
}

/** A Sluice for the tests of one describe block, and the clients they open. */
function useSluice(app: AppOptions = {}) {
  const handles = { sluice: undefined as unknown as TestSluice, clients: [] as SseClient[] };
  beforeAll(async () => {
    handles.sluice = await startSluice([], { app });
  });
  afterEach(async () => {
    for (const client of handles.clients.splice(0)) client.close();
    await expect.poll(() => handles.sluice.app.events.subscriberCount).toBe(0);
  });
  afterAll(() => handles.sluice?.close());
  return handles;
}

describe('a burst of mail with many event clients, within the budget', () => {
  const handles = useSluice();

  it('reaches each of 300 clients (two slices of writes) as its events, in order', async () => {
    const { sluice, clients } = handles;
    const many = await connectMany(sluice, 300);
    clients.push(...many);
    const ids = await sendMany(sluice, 40);
    for (const client of many) {
      const got: number[] = [];
      while (got.length < ids.length) got.push(Number((await client.next('stored')).id));
      expect(got).toEqual(ids);
    }
  });
});

describe('a burst of mail past the fan-out budget', () => {
  // 4 MB a second instead of 64, so that the burst is far past it however slowly it is stored.
  const handles = useSluice({ fanoutBytesPerSecond: 4 * 1024 * 1024 });

  it('reaches every client as a reset it can continue after, and the streams go on', async () => {
    const { sluice, clients } = handles;
    // 30 summaries of ~100 KB to 40 clients that do not compress: 120 MB. Parsed first, so
    // that they are stored together.
    const messages = await Promise.all(Array.from({ length: 30 }, (_, n) => bulky(n)));
    const many = await connectMany(sluice, 80);
    clients.push(...many);
    const stored = await Promise.all(messages.map((m) => sluice.app.store.addMessage(m)));
    const ids = stored.map((message) => message.id).sort((a, b) => a - b);
    const last = ids.at(-1)!;
    for (const client of many) {
      const seen: number[] = [];
      let resetAt: number | null = null;
      while (Math.max(resetAt ?? 0, ...seen) < last) {
        const event = await client.next();
        if (event.event === 'stored') seen.push(Number(event.id));
        else if (event.event === 'reset') {
          const notice = JSON.parse(event.data) as { reason: string; lastId: number };
          expect(notice.reason).toBe('burst');
          expect(event.id).toBe(String(notice.lastId));
          resetAt = notice.lastId;
        }
      }
      // What went as events came in order; everything else is covered by the reset.
      expect(resetAt).not.toBeNull();
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(ids.filter((id) => !seen.includes(id) && id > resetAt!)).toEqual([]);
    }
    // The streams go on: the next message comes to every client as its event.
    const [next] = await sendMany(sluice, 1, 500);
    for (const client of many) expect(Number((await client.next('stored')).id)).toBe(next);
  });
});

describe('the fan-out budget', () => {
  it('allows its rate, carries over at most a few seconds of it, and refills with time', () => {
    const budget = new FanoutBudget(1000, 0);
    const capacity = 1000 * FANOUT_BURST_SECONDS;
    expect(budget.available(0)).toBe(capacity);
    budget.spend(capacity - 100);
    expect(budget.available(100)).toBe(200);
    expect(budget.available(60_000)).toBe(capacity);
    budget.spend(capacity + 1000);
    expect(budget.available(61_000)).toBe(0);
    expect(budget.available(70_000)).toBe(capacity);
  });
});
