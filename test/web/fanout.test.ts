import { get, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInflate, inflateSync } from 'node:zlib';
import WebSocket from 'ws';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { bulky, CLIENT } from './bulky.js';
import { SseClient, type SseEvent } from './sse.js';
import { sendMany } from './support.js';

// The event hub (src/web/hub/): one batch, many clients, each bounded; resets (issue 10, 12).

/**
 * An event stream read through node:http, which stops reading from the socket when paused:
 * a browser tab that hangs, from the server's side.
 */
class StallingClient {
  #text = '';
  #ended = false;
  private constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (this.#text += chunk));
    response.on('end', () => (this.#ended = true));
    response.on('close', () => (this.#ended = true));
  }

  static open(url: string): Promise<StallingClient> {
    return new Promise((resolve, reject) => {
      get(url, { headers: { accept: 'text/event-stream' } }, (response) =>
        resolve(new StallingClient(response)),
      ).on('error', reject);
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Complete events so far (the server writes LF line ends). */
  events(): SseEvent[] {
    return this.#text
      .split('\n\n')
      .slice(0, -1)
      .filter((frame) => !frame.startsWith(':'))
      .map((frame) => {
        const field = (name: string) =>
          frame
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        return {
          event: field('event') ?? 'message',
          id: field('id') ?? null,
          data: field('data') ?? '',
        };
      });
  }

  stall(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  close(): void {
    this.response.destroy();
  }
}

describe('the event hub', () => {
  let sluice: TestSluice;
  const open: { close(): void }[] = [];
  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  afterAll(() => sluice.close());

  async function connect(query = '', headers: Record<string, string> = {}) {
    const client = await SseClient.connect(`${sluice.baseUrl}/api/events${query}`, headers);
    open.push(client);
    const hello = await client.next();
    expect(hello.event).toBe('hello');
    return {
      client,
      hello: JSON.parse(hello.data) as { resumedAfter: number | null; instance: string },
    };
  }

  it('names the database in hello', async () => {
    const { hello } = await connect();
    expect(hello.instance).toMatch(/^[0-9a-f]{32}$/);
    expect((await connect()).hello.instance).toBe(hello.instance);
  });

  it('replays a backlog of several pages in order, then goes live', async () => {
    const before = (await sluice.getJson('/api/messages?limit=1')).messages[0]?.id ?? 0;
    // 450 messages: three pages of the replay (REPLAY_PAGE = 200), stored in one burst.
    const stored = await Promise.all(
      Array.from({ length: 450 }, async (_, i) => {
        const raw = Buffer.from(`Subject: backlog ${i}\r\n\r\nx\r\n`);
        return sluice.app.store.addMessage({
          raw,
          parsed: await parseMessage(raw),
          envelope: { mailFrom: 'a@example.com', rcptTo: ['b@example.com'] },
          client: CLIENT,
        });
      }),
    );
    const { client, hello } = await connect(`?after=${before}`);
    expect(hello.resumedAfter).toBe(before);
    const replayed: number[] = [];
    while (replayed.length < stored.length) replayed.push(Number((await client.next('stored')).id));
    expect(replayed).toEqual(stored.map((m) => m.id).sort((a, b) => a - b));
    const [live] = await sendMany(sluice, 1, 900);
    expect(Number((await client.next('stored')).id)).toBe(live);
  });

  it('keeps serving others while one client stops reading, then resets and drops that one', async () => {
    await expect.poll(() => sluice.app.events.subscriberCount).toBe(0);
    const stalled = await StallingClient.open(`${sluice.baseUrl}/api/events`);
    open.push(stalled);
    await expect.poll(() => stalled.events().length).toBe(1);
    stalled.stall();
    const { client: reading } = await connect();
    expect(sluice.app.events.subscriberCount).toBe(2);

    // ~100 KB per event: the stalled socket's buffers fill, then its queue reaches its
    // bound (1 MiB), and the hub lets it go. The reading client gets every event meanwhile.
    const sent: number[] = [];
    for (let n = 0; sluice.app.events.subscriberCount === 2; n++) {
      expect(n, 'the stalled client was never dropped').toBeLessThan(400);
      const message = await sluice.app.store.addMessage(await bulky(n));
      sent.push(message.id);
      expect(Number((await reading.next('stored')).id)).toBe(message.id);
    }
    const more = await sluice.app.store.addMessage(await bulky(-1));
    expect(Number((await reading.next('stored')).id)).toBe(more.id);

    stalled.resume();
    await expect.poll(() => stalled.ended, { timeout: 20_000 }).toBe(true);
    const events = stalled.events();
    const reset = events.at(-1)!;
    expect(reset.event).toBe('reset');
    const notice = JSON.parse(reset.data) as { reason: string; lastId: number; instance: string };
    expect(notice.reason).toBe('fell-behind');
    // The id to resume from: everything up to it was in the queue it could not take.
    expect(reset.id).toBe(String(notice.lastId));
    expect(notice.lastId).toBeGreaterThanOrEqual(sent.at(-1)!);
    // What it did get came in order, with nothing after the reset.
    const got = events.filter((e) => e.event === 'stored').map((e) => Number(e.id));
    expect(got).toEqual(sent.slice(0, got.length));
  });

  it('lets a Mailpit WebSocket that stops reading go too, with a prune, others unharmed', async () => {
    await expect.poll(() => sluice.app.events.subscriberCount).toBe(0);
    const socket = new WebSocket(sluice.baseUrl.replace(/^http/, 'ws') + '/api/events');
    const frames: string[] = [];
    socket.on('message', (data: Buffer) => frames.push(data.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', resolve));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await expect.poll(() => sluice.app.events.subscriberCount).toBe(1);
    socket.pause();
    const { client: reading } = await connect();

    for (let n = 0; sluice.app.events.subscriberCount === 2; n++) {
      expect(n, 'the stalled WebSocket was never dropped').toBeLessThan(400);
      const message = await sluice.app.store.addMessage(await bulky(1000 + n));
      expect(Number((await reading.next('stored')).id)).toBe(message.id);
    }
    socket.resume();
    expect(await closed).toBe(1001);
    const types = frames.map((f) => (JSON.parse(f) as { Type: string }).Type);
    expect(types[0]).toBe('stats');
    expect(types.at(-1)).toBe('prune');
    expect(new Set(types.slice(1, -1))).toEqual(new Set(['new']));
  });

  it('lets a MailHog event stream that stops reading go too, other feeds unharmed', async () => {
    await expect.poll(() => sluice.app.events.subscriberCount).toBe(0);
    // MailHog sends no greeting: the subscription's count says the stream is on the hub.
    const stalled = await StallingClient.open(`${sluice.baseUrl}/api/v1/events`);
    open.push(stalled);
    await expect.poll(() => sluice.app.events.subscriberCount).toBe(1);
    stalled.stall();
    const mailhog = await SseClient.connect(`${sluice.baseUrl}/api/v1/events`);
    open.push(mailhog);
    const { client: reading } = await connect();
    await expect.poll(() => sluice.app.events.subscriberCount).toBe(3);

    // Each MailHog frame carries the whole message (~200 KB here), read once for all clients.
    for (let n = 0; sluice.app.events.subscriberCount === 3; n++) {
      expect(n, 'the stalled MailHog stream was never dropped').toBeLessThan(400);
      const message = await sluice.app.store.addMessage(await bulky(2000 + n));
      expect(Number((await reading.next('stored')).id)).toBe(message.id);
      const frame = JSON.parse((await mailhog.next('data')).data) as { ID: string };
      expect(frame.ID).toBe(String(message.id));
    }
    stalled.resume();
    await expect.poll(() => stalled.ended, { timeout: 20_000 }).toBe(true);
    expect(sluice.app.events.subscriberCount).toBe(2);
  });

  it('resets a client that resumes after an id this database never gave', async () => {
    const last = (await sluice.getJson('/api/messages?limit=1')).messages[0].id as number;
    const { client, hello } = await connect('', { 'last-event-id': String(last + 1000) });
    expect(hello.resumedAfter).toBeNull();
    const reset = await client.next();
    expect(reset.event).toBe('reset');
    expect(JSON.parse(reset.data)).toEqual({
      reason: 'unknown-resume-point',
      instance: hello.instance,
      lastId: last,
    });
    expect(reset.id).toBe(String(last));
    // The stream goes on from there.
    const [live] = await sendMany(sluice, 1, 950);
    expect(Number((await client.next('stored')).id)).toBe(live);
  });

  it('resets a client that names another database instance', async () => {
    const { client, hello } = await connect(`?after=1&instance=${'0'.repeat(32)}`);
    expect(hello.resumedAfter).toBeNull();
    const reset = await client.next();
    expect(reset.event).toBe('reset');
    expect(JSON.parse(reset.data)).toMatchObject({
      reason: 'other-database',
      instance: hello.instance,
    });
  });

  it('refuses an instance that is no instance id with 400 JSON', async () => {
    const response = await fetch(`${sluice.baseUrl}/api/events?instance=not-hex`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_request',
    );
  });
});

describe('a replay from the start (?after=0) to a client that stops reading', () => {
  // Issue 10: the whole mailbox was read into one client's queue at once. A replay page is
  // read only when the one before it was written out; a stalled client holds one page.
  it('reads no further page for it, while another client replays the whole mailbox', async () => {
    const sluice = await startSluice();
    const store = sluice.app.store;
    const listMessagesAfter = store.listMessagesAfter;
    let pagesRead = 0;
    // The real store, counted: an own property shadows the forwarder on the prototype.
    Object.defineProperty(store, 'listMessagesAfter', {
      configurable: true,
      value: function (this: typeof store, ...args: Parameters<typeof listMessagesAfter>) {
        pagesRead++;
        return listMessagesAfter.apply(this, args);
      },
    });
    try {
      // Two pages (REPLAY_PAGE = 200) of ~100 KB summaries: one page is more than the
      // socket buffers of a client that does not read can take.
      const ids: number[] = [];
      for (let n = 0; n < 250; n++) ids.push((await store.addMessage(await bulky(n))).id);
      const stalled = await StallingClient.open(`${sluice.baseUrl}/api/events?after=0`);
      stalled.stall();
      await expect.poll(() => pagesRead).toBe(1);

      const reader = await SseClient.connect(`${sluice.baseUrl}/api/events?after=0`);
      const replayed: number[] = [];
      while (replayed.length < ids.length) replayed.push(Number((await reader.next('stored')).id));
      expect(replayed).toEqual(ids);
      reader.close();
      // The reader's two pages (the second one short, so the last), and still one for the other.
      expect(pagesRead).toBe(3);
      stalled.close();
    } finally {
      delete (store as Partial<typeof store>).listMessagesAfter;
      await sluice.close();
    }
  });
});

describe('resuming after the database was replaced', () => {
  const dirs = [1, 2].map(() => mkdtempSync(join(tmpdir(), 'sluice-replaced-')));
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('gets a reset, whether the old resume point is above the new ids or among them', async () => {
    const first = await startSluice([], { dataDir: dirs[0] });
    const ids = await sendMany(first, 3);
    const seen = await SseClient.connect(`${first.baseUrl}/api/events`);
    const { instance } = JSON.parse((await seen.next('hello')).data) as { instance: string };
    seen.close();
    await first.close();

    // Another database file, as after a restart with another --db (or on :memory:).
    const second = await startSluice([], { dataDir: dirs[1] });
    try {
      const [newId] = await sendMany(second, 1, 10);
      expect(newId).toBeLessThan(ids.at(-1)!);
      const above = await SseClient.connect(`${second.baseUrl}/api/events`, {
        'last-event-id': String(ids.at(-1)),
      });
      const hello = JSON.parse((await above.next('hello')).data) as { instance: string };
      expect(hello.instance).not.toBe(instance);
      expect(JSON.parse((await above.next()).data)).toMatchObject({
        reason: 'unknown-resume-point',
        lastId: newId,
      });
      above.close();

      // A resume point the new database also has: only the instance tells them apart.
      const among = await SseClient.connect(
        `${second.baseUrl}/api/events?after=${newId}&instance=${instance}`,
      );
      await among.next('hello');
      const reset = await among.next();
      expect(reset.event).toBe('reset');
      expect(JSON.parse(reset.data)).toMatchObject({ reason: 'other-database', lastId: newId });
      among.close();
    } finally {
      await second.close();
    }
  });
});

describe('an event stream for a client that accepts deflate', () => {
  it('is compressed, every event readable as it comes, and ends as a valid zlib stream', async () => {
    const sluice = await startSluice();
    let closed = false;
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) =>
        get(
          `${sluice.baseUrl}/api/events`,
          { headers: { 'accept-encoding': 'gzip;q=1, deflate' } },
          resolve,
        ).on('error', reject),
      );
      expect(response.headers['content-encoding']).toBe('deflate');
      expect(response.headers.vary).toContain('Accept-Encoding');
      const raw: Buffer[] = [];
      let text = '';
      const inflate = createInflate();
      inflate.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('data', (chunk: Buffer) => {
        raw.push(chunk);
        inflate.write(chunk);
      });
      const ended = new Promise((resolve) => response.on('end', resolve));
      await expect.poll(() => text).toContain('event: hello');
      const [id] = await sendMany(sluice, 1);
      // A flushed piece decodes on its own: the event is readable before the stream ends.
      await expect.poll(() => text).toContain(`id: ${id}\n`);

      await sluice.close();
      closed = true;
      await ended;
      // The trailer's Adler-32 covers everything sent: zlib checks it.
      const whole = inflateSync(Buffer.concat(raw)).toString();
      expect(whole).toBe(text);
      expect(whole).toMatch(/^event: hello\n/);
    } finally {
      if (!closed) await sluice.close();
    }
  });

  it('is not compressed for a client that does not ask', async () => {
    const sluice = await startSluice();
    try {
      const client = await StallingClient.open(`${sluice.baseUrl}/api/events`);
      expect(client.response.headers['content-encoding']).toBeUndefined();
      await expect.poll(() => client.events()[0]?.event).toBe('hello');
      client.close();
    } finally {
      await sluice.close();
    }
  });
});
