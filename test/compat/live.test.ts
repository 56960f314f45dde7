import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { SseClient } from '../web/sse.js';
import { sendMail } from '../web/support.js';
import { KOREAN_SUBJECT } from './samples.js';

/** Frames of a WebSocket, in order, awaited one at a time. */
function frames(socket: WebSocket) {
  const queue: unknown[] = [];
  const waiting: ((frame: unknown) => void)[] = [];
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as unknown;
    const waiter = waiting.shift();
    if (waiter) waiter(frame);
    else queue.push(frame);
  });
  return () =>
    new Promise<{ Type: string; Data: Record<string, unknown> | null }>((resolve) => {
      const next = queue.shift();
      if (next !== undefined) resolve(next as never);
      else waiting.push(resolve as never);
    });
}

describe('live feeds of the peers', () => {
  let sluice: TestSluice;
  const wsUrl = () => sluice.baseUrl.replace(/^http/, 'ws') + '/api/events';

  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterAll(() => sluice.close());

  it("Mailpit's WebSocket on /api/events sends stats, then new, update and delete events", async () => {
    const socket = new WebSocket(wsUrl());
    const next = frames(socket);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      const stats = await next();
      expect(stats.Type).toBe('stats');
      const id = await sendMail(sluice, {
        from: 'minsu@example.kr',
        to: 'jiwoo@example.kr',
        subject: KOREAN_SUBJECT,
        text: '안녕하세요',
      });
      const created = await next();
      expect(created.Type).toBe('new');
      expect(created.Data).toMatchObject({ ID: String(id), Subject: KOREAN_SUBJECT, Read: false });
      await sluice.api('/api/v1/messages', {
        method: 'PUT',
        json: { IDs: [String(id)], Read: true },
      });
      expect(await next()).toEqual({ Type: 'update', Data: { ID: String(id), Read: true } });
      await sluice.api('/api/v1/messages', { method: 'DELETE' });
      expect(await next()).toEqual({ Type: 'truncate', Data: null });
    } finally {
      socket.close();
    }
  });

  it('the same path without Upgrade is still the native event stream', async () => {
    const stream = await SseClient.connect(sluice.baseUrl + '/api/events');
    try {
      expect((await stream.next('hello')).event).toBe('hello');
    } finally {
      stream.close();
    }
  });

  it('refuses a WebSocket from another origin with the guard’s 403', async () => {
    const socket = new WebSocket(wsUrl(), { headers: { origin: 'https://evil.example' } });
    socket.on('error', () => {}); // the refusal ends the handshake; that is the point
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
    });
    socket.terminate();
    expect(status).toBe(403);
  });

  it("MailHog's /api/v1/events streams each new message as a MailHog Message", async () => {
    const stream = await SseClient.connect(sluice.baseUrl + '/api/v1/events');
    try {
      const id = await sendMail(sluice, {
        from: 'hog@example.com',
        to: 'pig@example.com',
        subject: 'Oink',
        text: 'over SSE',
      });
      const event = await stream.next('data');
      const message = JSON.parse(event.data) as {
        ID: string;
        Raw: { From: string };
        Content: { Headers: Record<string, string[]> };
      };
      expect(message.ID).toBe(String(id));
      expect(message.Raw.From).toBe('hog@example.com');
      expect(message.Content.Headers.Subject).toEqual(['Oink']);
    } finally {
      stream.close();
    }
  });
});
