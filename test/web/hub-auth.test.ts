import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { basic, bearer } from '../helpers/auth.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { SseClient } from './sse.js';
import { sendNumbered } from './support.js';

// Every live feed on the event hub (native SSE, Mailpit's WebSocket, MailHog's SSE) is a
// route behind the sign-in chain and under the base path, like the rest of the API.

const TOKEN = 'hub0123456789abcdef0123456789abcdef0123456789';
const ALICE = basic('alice', 'alice-live-pw1');

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startSluice([
    '--http-auth',
    'alice:alice-live-pw1',
    '--http-tokens',
    `ci-bot:${TOKEN}`,
    '--http-base-path',
    '/mail/',
  ]);
});
afterAll(() => sluice.close());

const wsUrl = () => `${sluice.baseUrl.replace(/^http/, 'ws')}/mail/api/events`;

/** A Mailpit WebSocket's first answer: open (its frames collected) or the HTTP status. */
function openSocket(headers: Record<string, string>) {
  const socket = new WebSocket(wsUrl(), { headers });
  const frames: { Type: string; Data: { ID?: string } }[] = [];
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString())));
  socket.on('error', () => {});
  const outcome = new Promise<number>((resolve) => {
    socket.once('open', () => resolve(101));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
  });
  return { socket, frames, outcome };
}

describe('the live feeds behind sign-in and a base path', () => {
  it('are refused without credentials, each with 401', async () => {
    for (const path of ['/mail/api/events', '/mail/api/v1/events']) {
      const response = await fetch(sluice.baseUrl + path, {
        headers: { accept: 'text/event-stream' },
      });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('content-type'), path).not.toMatch(/event-stream/);
    }
    const { socket, outcome } = openSocket({});
    expect(await outcome).toBe(401);
    socket.terminate();
    expect(sluice.app.events.subscriberCount).toBe(0);
  });

  it('carry new mail to a bearer token and a Basic sign-in alike', async () => {
    const native = await SseClient.connect(`${sluice.baseUrl}/mail/api/events`, bearer(TOKEN));
    const mailhog = await SseClient.connect(`${sluice.baseUrl}/mail/api/v1/events`, ALICE);
    const mailpit = openSocket(ALICE);
    try {
      expect(await mailpit.outcome).toBe(101);
      await native.next('hello');
      await expect.poll(() => mailpit.frames[0]?.Type).toBe('stats');
      await expect.poll(() => sluice.app.events.subscriberCount).toBe(3);

      const id = await sendNumbered(sluice, 1);
      expect(JSON.parse((await native.next('stored')).data).id).toBe(id);
      expect(JSON.parse((await mailhog.next('data')).data).ID).toBe(String(id));
      await expect
        .poll(() => mailpit.frames.find((f) => f.Type === 'new')?.Data.ID)
        .toBe(String(id));
    } finally {
      native.close();
      mailhog.close();
      mailpit.socket.terminate();
    }
  });
});
