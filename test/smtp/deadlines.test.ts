import { connect } from 'node:net';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';

/** Sends one message with nodemailer, which writes QUIT and closes without waiting. */
async function sendOne(port: number, subject: string): Promise<string> {
  const transport = createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    const info = await transport.sendMail({
      from: 'a@example.com',
      to: 'b@example.com',
      subject,
      text: 'a normal client',
    });
    return info.response;
  } finally {
    transport.close();
  }
}

/** A greeted connection that has sent the start of a command line and nothing more. */
async function slowloris(port: number): Promise<RawSmtp> {
  const client = await RawSmtp.open(port);
  expect((await client.reply()).code).toBe(220);
  client.write('E');
  return client;
}

// Issue 12: the idle timer is reset by every byte, so a client that trickles a byte every
// 20 s held its slot for ever; every slot held that way kept normal clients out.
describe('deadlines', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice([
      ...['--smtp-command-timeout', '2s', '--smtp-idle-timeout', '2s'],
      ...['--smtp-min-data-rate', '1MB'],
    ]);
  });
  afterAll(() => sluice.close());

  it('cuts a command line that does not arrive whole in time, however it trickles', async () => {
    const slow = await slowloris(sluice.smtpPort);
    // A byte now and then resets the idle timer, not the command's deadline.
    const trickle = setInterval(() => slow.write('H'), 500);
    try {
      expect(await sendOne(sluice.smtpPort, 'beside a slowloris')).toMatch(/^250 /);
      const cut = await slow.reply(15_000);
      expect(cut.code).toBe(421);
      expect(cut.text).toMatch(/^421 4\.4\.2 .*Command line not completed within 2 s/);
      await slow.waitClosed();
    } finally {
      clearInterval(trickle);
    }
  });

  it('cuts DATA that arrives slower than the minimum rate', async () => {
    const stored = (await sluice.getJson('/api/messages')).total;
    const slow = await RawSmtp.open(sluice.smtpPort);
    await slow.reply();
    await slow.command('EHLO slow.test');
    await slow.command('MAIL FROM:<a@example.com>');
    await slow.command('RCPT TO:<b@example.com>');
    expect((await slow.command('DATA')).code).toBe(354);
    const trickle = setInterval(() => slow.write('x'), 500);
    try {
      const cut = await slow.reply(15_000);
      expect(cut.text).toMatch(/^421 4\.4\.2 .*DATA slower than 1048576 bytes per second/);
      await slow.waitClosed();
    } finally {
      clearInterval(trickle);
    }
    expect((await sluice.getJson('/api/messages')).total).toBe(stored);
  });
});

describe('slots at --max-connections', () => {
  let sluice: TestSluice;
  const LIMIT = 3;
  beforeAll(async () => {
    sluice = await startSluice(['--max-connections', String(LIMIT)]);
  });
  afterAll(() => sluice.close());

  it('gives the slot of a stalled session to a new client', async () => {
    const stalled = await Promise.all(
      Array.from({ length: LIMIT }, () => slowloris(sluice.smtpPort)),
    );
    // Once they have been stalled long enough (a second), a new client takes a slot.
    await vi.waitFor(
      async () => {
        const client = await RawSmtp.open(sluice.smtpPort);
        const greeting = await client.reply();
        client.destroy();
        expect(greeting.code).toBe(220);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(await sendOne(sluice.smtpPort, 'past the stalled ones')).toMatch(/^250 /);
    const cut = await vi.waitFor(() => {
      const closed = stalled.find((client) => client.closed);
      expect(closed).toBeDefined();
      return closed!;
    });
    expect((await cut.reply()).text).toMatch(/^421 4\.4\.2 .*Stalled while the server is full/);
    for (const client of stalled) client.destroy();
  });

  it('does not count a session that is closing', async () => {
    const sessions = await Promise.all(
      Array.from({ length: LIMIT - 1 }, async () => {
        const client = await RawSmtp.open(sluice.smtpPort);
        expect((await client.reply()).code).toBe(220);
        return client;
      }),
    );
    // The last slot: a client that says QUIT and keeps its end of the connection open, the
    // way a session looks to the server between its 221 and the client's close (nodemailer
    // writes QUIT and reconnects at once). The session is over; its socket is not closed.
    const quitting = connect({ port: sluice.smtpPort, host: '127.0.0.1', allowHalfOpen: true });
    let heard = '';
    quitting.on('data', (chunk: Buffer) => (heard += chunk.toString()));
    await vi.waitFor(() => expect(heard).toMatch(/^220 /));
    const serverEnded = new Promise((resolve) => quitting.once('end', resolve));
    quitting.write('QUIT\r\n');
    await serverEnded;
    expect(heard).toMatch(/\r\n221 /);
    const next = await RawSmtp.open(sluice.smtpPort);
    expect((await next.reply()).code).toBe(220);
    quitting.destroy();
    for (const client of [...sessions, next]) client.destroy();
  });

  it('refuses with 421 when every slot is busy and none frees', async () => {
    const held = await Promise.all(
      Array.from({ length: LIMIT }, async () => {
        const client = await RawSmtp.open(sluice.smtpPort);
        expect((await client.reply()).code).toBe(220);
        return client;
      }),
    );
    const extra = await RawSmtp.open(sluice.smtpPort);
    const refused = await extra.reply();
    expect(refused.code).toBe(421);
    expect(refused.text).toContain('Too many connected clients');
    await extra.waitClosed();
    for (const client of held) client.destroy();
  });
});
