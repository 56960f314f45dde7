import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';

// Guards src/smtp/connection.ts, which replaces smtp-server's 100 ms early-talker
// wait. If an upgrade of smtp-server changes the internals it relies on, these fail.
describe('greeting', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-connections', '3']);
  });
  afterAll(() => sluice.close());

  it('greets before a client that talks at once is judged an early talker', async () => {
    const client = await RawSmtp.open(sluice.smtpPort);
    // Written in the same tick as the connect: with the library's delay this EHLO
    // would arrive before the greeting and be answered "421 You talk too soon".
    client.write('EHLO early.example\r\n');
    const greeting = await client.reply();
    expect(greeting.code).toBe(220);
    expect(greeting.text).toContain('ESMTP');
    const ehlo = await client.reply();
    expect(ehlo.code).toBe(250);
    for (const extension of [
      'PIPELINING',
      '8BITMIME',
      'SMTPUTF8',
      'ENHANCEDSTATUSCODES',
      'SIZE 52428800',
    ]) {
      expect(ehlo.text).toContain(extension);
    }
    expect(ehlo.text).toMatch(/AUTH PLAIN LOGIN CRAM-MD5/);
    client.destroy();
  });

  it('answers the queued message with 2.0.0 and its id', async () => {
    const client = await RawSmtp.open(sluice.smtpPort);
    await client.reply();
    expect((await client.command('EHLO test.example')).code).toBe(250);
    expect((await client.command('MAIL FROM:<a@example.com>')).code).toBe(250);
    expect((await client.command('RCPT TO:<b@example.com>')).code).toBe(250);
    expect((await client.command('DATA')).code).toBe(354);
    const queued = await client.command('Subject: hi\r\n\r\nhello\r\n.');
    expect(queued.text).toMatch(/^250 2\.0\.0 Ok: queued as \d+$/);
    const id = Number(/queued as (\d+)/.exec(queued.text)![1]);
    const message = await sluice.getJson(`/api/messages/${id}`);
    expect(message.subject).toBe('hi');
    client.destroy();
  });

  it('refuses connections past the limit with 421', async () => {
    const held = await Promise.all([1, 2, 3].map(() => RawSmtp.open(sluice.smtpPort)));
    for (const client of held) expect((await client.reply()).code).toBe(220);
    const extra = await RawSmtp.open(sluice.smtpPort);
    const refused = await extra.reply();
    expect(refused.code).toBe(421);
    expect(refused.text).toContain('Too many connected clients');
    await extra.waitClosed();
    for (const client of held) client.destroy();
  });
});
