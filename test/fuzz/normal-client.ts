import { createTransport } from 'nodemailer';
import { expect } from 'vitest';
import type { TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';

let counter = 0;

/**
 * After the abuse, the ordinary path must still work: nodemailer delivers a message, the
 * API lists it and returns its detail, and health answers.
 */
export async function expectStillServing(sluice: TestSluice): Promise<void> {
  const subject = `still serving #${++counter}`;
  const transport = createTransport({
    host: '127.0.0.1',
    port: sluice.smtpPort,
    secure: false,
    ignoreTLS: true,
    name: 'normal.test',
    // A server that hung would make nodemailer wait for minutes by default.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
    auth: sluice.config.smtpAuth.mode === 'required' ? { user: 'user', pass: 'secret' } : undefined,
  });
  try {
    const info = await transport.sendMail({
      from: 'normal@sender.test',
      to: 'normal@rcpt.test',
      subject,
      text: 'an ordinary message after the abuse',
    });
    expect(info.response).toMatch(/^250 /);
    const id = Number(/queued as (\d+)/.exec(info.response)?.[1]);
    const detail = await sluice.getJson<{ subject: string }>(`/api/messages/${id}`);
    expect(detail.subject).toBe(subject);
  } finally {
    transport.close();
  }
  const list = await sluice.getJson<{ messages: Array<{ subject: string }> }>(
    '/api/messages?limit=1',
  );
  expect(list.messages[0]?.subject).toBe(subject);
  expect((await sluice.api('/api/health')).status).toBe(200);
}

/**
 * Waits until the server greets a new connection with 220 again (it releases a slot when
 * it has processed the close of an old connection, which can trail the client's close).
 * Bounded: fails after `deadlineMs`.
 */
export async function waitForFreeSlot(port: number, deadlineMs = 10_000): Promise<void> {
  const greeting = async () => {
    const client = await RawSmtp.open(port);
    const reply = await client.reply();
    client.destroy();
    return reply.text;
  };
  await expect.poll(greeting, { timeout: deadlineMs, interval: 50 }).toMatch(/^220 /);
}
