import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageSummary } from '../../src/store/types.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectJsonError, sendMail } from './support.js';

// GET /api/messages/wait: what a test suite calls to "wait until a message to bob arrives".

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startSluice();
});
afterAll(() => sluice.close());

const sendTo = (to: string, subject = `to ${to}`) =>
  sendMail(sluice, { from: 'app@example.com', to, subject, text: 'hello' });
const wait = (params: string) => sluice.api(`/api/messages/wait?${params}`);
const query = (text: string) => 'query=' + encodeURIComponent(text);

describe('GET /api/messages/wait', () => {
  it('answers from the mailbox when a match is already there, without waiting', async () => {
    const id = await sendTo('present@example.com');
    // timeout=0 cannot wait at all: only a match that already exists can be the answer.
    const response = await wait(`${query('to:present@example.com')}&timeout=0s`);
    expect(response.status).toBe(200);
    const message = (await response.json()) as MessageSummary;
    expect(message).toMatchObject({ id, subject: 'to present@example.com' });
    expect(message).not.toHaveProperty('text');
  });

  it('waits for a message sent during the wait, passing over ones that do not match', async () => {
    const { messages } = await sluice.getJson<{ messages: MessageSummary[] }>(
      '/api/messages?limit=1',
    );
    const after = messages[0]?.id ?? 0;
    const waiting = wait(`${query('to:late@example.com')}&after=${after}&timeout=20s`);
    // The sends are delayed so that the request is already waiting when they arrive.
    const sent = new Promise<number>((resolve, reject) => {
      setTimeout(() => {
        sendTo('someone-else@example.com')
          .then(() => sendTo('late@example.com'))
          .then(resolve, reject);
      }, 300);
    });
    const response = await waiting;
    expect(response.status).toBe(200);
    const message = (await response.json()) as MessageSummary;
    expect(message.id).toBe(await sent);
    expect(message.envelope.rcptTo).toEqual(['late@example.com']);
  });

  it('does not answer with a match at or below `after`', async () => {
    const id = await sendTo('old@example.com');
    const response = await wait(`${query('to:old@example.com')}&after=${id}&timeout=1s`);
    expect(response.status).toBe(408);
  });

  it('answers 408 JSON when nothing arrives before the timeout', async () => {
    const response = await wait(`${query('to:nobody@example.com')}&timeout=1s`);
    expect(response.status).toBe(408);
    const body = await expectJsonError(response);
    expect(body.error.code).toBe('timeout');
    expect(body.error.message).toContain('1s');
  });

  it.each(['abc', '-1s', '10x', '301s', ''])(
    'refuses timeout=%s with 400 JSON',
    async (timeout) => {
      const response = await wait(`${query('to:nobody@example.com')}&timeout=${timeout}`);
      expect(response.status).toBe(400);
      const body = await expectJsonError(response);
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.message).toContain('timeout');
    },
  );

  it('refuses a bad query or cursor with 400 JSON', async () => {
    for (const params of [query('is:bogus'), 'after=abc']) {
      const response = await wait(`${params}&timeout=1s`);
      expect(response.status, params).toBe(400);
      await expectJsonError(response);
    }
  });
});
