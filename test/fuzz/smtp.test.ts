import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { messageTotal } from './check.js';
import { expectStillServing } from './normal-client.js';
import { fuzzSeed, printSeedOnFailure, Random } from './random.js';
import { openSession } from './wire.js';

// SMTP protocol abuse on raw sockets: every bad input gets an SMTP reply with a fitting
// code (or the connection is closed with 421), nothing is stored by it, and afterwards an
// ordinary client is still served. The connection-level abuse (floods, idle slots,
// disconnects) is in smtp-connections.test.ts.

const seed = fuzzSeed();
printSeedOnFailure(seed);
const random = new Random(seed);

const MB = 1024 * 1024;

/** Reads replies until the server closes the connection; returns their codes. */
async function drainReplies(client: RawSmtp): Promise<number[]> {
  const codes: number[] = [];
  for (;;) {
    try {
      codes.push((await client.reply()).code);
    } catch (error) {
      if (client.closed) return codes;
      throw error;
    }
  }
}

/** A line of random bytes without CR or LF (so it is exactly one command line). */
function garbageLine(generator: Random): Buffer {
  const line = generator.bytes(generator.int(0, 200));
  for (let i = 0; i < line.length; i++) if (line[i] === 0x0d || line[i] === 0x0a) line[i] = 0x20;
  return line;
}

describe('SMTP command abuse', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterAll(() => sluice?.close());

  it('closes with 421 on a 1 MB command line without CRLF', async () => {
    const client = await RawSmtp.open(sluice.smtpPort);
    expect((await client.reply()).code).toBe(220);
    client.write('MAIL FROM:<' + 'a'.repeat(MB));
    const reply = await client.reply();
    expect(reply.code).toBe(421);
    expect(reply.text).toMatch(/too long/i);
    await client.waitClosed();
  });

  it('closes with 421 on a 1 MB EHLO line with CRLF', async () => {
    const client = await RawSmtp.open(sluice.smtpPort);
    expect((await client.reply()).code).toBe(220);
    client.write(`EHLO ${'h'.repeat(MB)}\r\n`);
    expect((await client.reply()).code).toBe(421);
    await client.waitClosed();
  });

  const table: Array<{ name: string; before: string[]; command: string; code: number }> = [
    { name: 'DATA before MAIL', before: [], command: 'DATA', code: 503 },
    { name: 'DATA before RCPT', before: ['MAIL FROM:<a@x.test>'], command: 'DATA', code: 503 },
    { name: 'RCPT before MAIL', before: [], command: 'RCPT TO:<b@x.test>', code: 503 },
    {
      name: 'BDAT (CHUNKING is not advertised)',
      before: ['MAIL FROM:<a@x.test>', 'RCPT TO:<b@x.test>'],
      command: 'BDAT 5 LAST',
      code: 500,
    },
    { name: 'BDAT with no transaction', before: [], command: 'BDAT 0 LAST', code: 500 },
    { name: 'NUL in MAIL FROM', before: [], command: 'MAIL FROM:<a\x00b@x.test>', code: 501 },
    {
      name: 'control bytes in RCPT TO',
      before: ['MAIL FROM:<a@x.test>'],
      command: 'RCPT TO:<\x01\x02@x.test>',
      code: 501,
    },
    { name: 'a command of binary bytes', before: [], command: '\xff\xfe\x00\x80', code: 500 },
    { name: 'AUTH with an unknown mechanism', before: [], command: 'AUTH XOAUTH9 abc', code: 504 },
    { name: 'AUTH PLAIN with invalid base64', before: [], command: 'AUTH PLAIN !!!###', code: 501 },
  ];

  it.each(table.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const client = await openSession(sluice.smtpPort);
    for (const line of row.before) expect((await client.command(line)).code).toBe(250);
    expect((await client.command(row.command)).code).toBe(row.code);
    // The session survives a refused command.
    expect((await client.command('RSET')).code).toBe(250);
    expect((await client.command('NOOP')).code).toBe(250);
    client.destroy();
  });

  it('answers EHLO with binary bytes in the name with 501', async () => {
    const client = await RawSmtp.open(sluice.smtpPort);
    expect((await client.reply()).code).toBe(220);
    expect((await client.command('EHLO \x00\xff\x01')).code).toBe(501);
    expect((await client.command('EHLO ok.test')).code).toBe(250);
    client.destroy();
  });

  it('answers every line of pipelined random garbage, then closes with 421', async () => {
    const generator = random.fork('pipelined garbage');
    const stored = await messageTotal(sluice);
    for (let round = 0; round < 20; round++) {
      const client = await RawSmtp.open(sluice.smtpPort);
      expect((await client.reply()).code).toBe(220);
      const lines = Array.from({ length: generator.int(1, 30) }, () => garbageLine(generator));
      client.write(Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\r\n')])));
      client.write('QUIT\r\n');
      const codes = await drainReplies(client);
      // One reply per line until the server gives up (10 unknown commands: 421), then
      // QUIT's 221 if it got that far.
      expect(codes.length, `round ${round}: ${codes.join(' ')}`).toBeGreaterThan(0);
      for (const code of codes) expect([221, 421, 500, 501, 502, 503, 504]).toContain(code);
      expect([221, 421]).toContain(codes.at(-1));
    }
    // Nothing stored by the garbage (other tests in this file may have stored mail).
    expect(await messageTotal(sluice)).toBe(stored);
  });

  it('answers 5,000 pipelined NOOPs in order', async () => {
    const client = await openSession(sluice.smtpPort);
    client.write('NOOP\r\n'.repeat(5000));
    for (let i = 0; i < 5000; i++) expect((await client.reply()).code).toBe(250);
    client.destroy();
  });

  it('takes a whole pipelined transaction with garbage before it', async () => {
    const client = await openSession(sluice.smtpPort);
    client.write(
      'FOO\r\nBAR \x00\x01\r\nMAIL FROM:<p@x.test>\r\nRCPT TO:<q@x.test>\r\nDATA\r\n' +
        'Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n',
    );
    const codes = await drainReplies(client);
    expect(codes).toEqual([500, 500, 250, 250, 354, 250, 221]);
    expect(await messageTotal(sluice)).toBe(1);
  });

  it('still serves an ordinary client', async () => {
    await expectStillServing(sluice);
  });
});

describe('SMTP AUTH abuse with credentials required', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--smtp-auth', 'user:secret']);
  });
  afterAll(() => sluice?.close());

  const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');

  it('refuses invalid base64 and wrong credentials, then accepts the right ones', async () => {
    const client = await openSession(sluice.smtpPort);
    expect((await client.command('AUTH PLAIN !!!not-base64###')).code).toBe(501);
    expect((await client.command('AUTH PLAIN =')).code).toBe(501);
    expect((await client.command(`AUTH PLAIN ${b64('\x00user\x00wrong')}`)).code).toBe(535);
    expect((await client.command(`AUTH PLAIN ${b64('\x00us\xffer\x00pw\xfe')}`)).code).toBe(535);
    expect((await client.command('AUTH LOGIN')).code).toBe(334);
    expect((await client.command('%%%%')).code).toBe(501);
    // Lenient base64 makes bytes of most garbage: it is then a (wrong) user and password.
    expect((await client.command('AUTH LOGIN')).code).toBe(334);
    expect((await client.command('%%% not base64 %%%')).code).toBe(334);
    expect((await client.command('\xff\xfe !!')).code).toBe(535);
    expect((await client.command('AUTH LOGIN ????')).code).toBe(501);
    expect((await client.command('AUTH CRAM-MD5')).code).toBe(334);
    expect((await client.command('^^^ not base64')).code).toBe(535);
    const longPassword = b64(`\x00user\x00${'p'.repeat(10_000)}`);
    expect((await client.command(`AUTH PLAIN ${longPassword}`)).code).toBe(535);
    // Still not authenticated: no mail accepted.
    expect((await client.command('MAIL FROM:<a@x.test>')).code).toBe(530);
    expect((await client.command(`AUTH PLAIN ${b64('\x00user\x00secret')}`)).code).toBe(235);
    expect((await client.command('MAIL FROM:<a@x.test>')).code).toBe(250);
    client.destroy();
  });

  it('closes with 421 on an AUTH line past the command limit', async () => {
    const client = await openSession(sluice.smtpPort);
    client.write(`AUTH PLAIN ${'A'.repeat(MB)}\r\n`);
    expect((await client.reply()).code).toBe(421);
    await client.waitClosed();
  });

  it('answers random base64-ish AUTH payloads with 501 or 535', async () => {
    const generator = random.fork('auth payloads');
    const client = await openSession(sluice.smtpPort);
    for (let i = 0; i < 50; i++) {
      const payload = generator.chance(0.5)
        ? generator.bytes(generator.int(0, 100)).toString('base64')
        : garbageLine(generator).toString('latin1');
      const mechanism = generator.pick(['PLAIN', 'LOGIN']);
      const reply = await client.command(`AUTH ${mechanism} ${payload}`.trimEnd());
      if (reply.code === 334) {
        // LOGIN asked for the password (or PLAIN for its payload): answer it with garbage too.
        const next = await client.command(garbageLine(generator).toString('latin1'));
        expect([501, 535]).toContain(next.code);
      } else {
        expect([501, 535], `AUTH ${mechanism} ${JSON.stringify(payload)}`).toContain(reply.code);
      }
    }
    client.destroy();
    expect(await messageTotal(sluice)).toBe(0);
  });

  it('still serves an ordinary client', async () => {
    await expectStillServing(sluice);
  });
});
