import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { readSimpleMessage } from '../../src/mail/simple-read.js';
import { describeWithCorpus, emlFiles } from '../helpers/corpus.js';

// The short path for plain text messages must give exactly what mailparser gives: every
// message it takes is parsed both ways here and the two compared whole.

const FIXTURES = join(import.meta.dirname, '../fixtures');

/** As an SMTP client sends it: every line ending CRLF. */
const crlf = (raw: Buffer) =>
  Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

/** Parses `raw` by the short path and by mailparser; says whether the short path took it. */
async function expectAlike(raw: Buffer): Promise<boolean> {
  const taken = readSimpleMessage(raw) !== null;
  const short = await parseMessage(raw);
  const full = await parseMessage(raw, { simplePath: false });
  expect(short).toStrictEqual(full);
  return taken;
}

const message = (head: string, body = 'Hello,\r\nthe body.\r\n') =>
  Buffer.from(`${head.trim().replace(/\n/g, '\r\n')}\r\n\r\n${body}`, 'latin1');

const BASE = `From: "Ann Example" <ann@example.com>
To: bob@example.com, "Carol, C." <carol@example.com>
Subject: Hello there
Date: Sun, 6 Dec 2026 08:37:44 +0000
Message-ID: <1@example.com>`;

/** Messages the short path must take, and what it must read from them. */
const TAKEN: Record<string, Buffer> = {
  'no MIME headers': message(BASE),
  'text/plain, charset utf-8, 8bit body': message(
    `${BASE}\nMIME-Version: 1.0\nContent-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit`,
    'Grüße, 日本語\r\n',
  ),
  'text/plain us-ascii 7bit, Django style': message(
    `${BASE}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit`,
  ),
  'folded fields and encoded words': message(
    `From: =?utf-8?q?Ren=C3=A9?= <rene@example.com>\nTo: a@example.com,\n b@example.com,\n\t"D, E" <d@example.com>\nSubject: =?utf-8?b?w6nDqMOq?=\n  and more\nCc: undisclosed-recipients:;\nBcc: Group: x@example.com, y@example.com;`,
  ),
  'an empty body': message(BASE, ''),
  'a body without a final line end, bare CR and LF inside': message(BASE, 'a\rb\nc\r\nd'),
  'invalid UTF-8 in the body': Buffer.concat([
    message(BASE, 'x'),
    Buffer.from([0xff, 0xfe, 0x0d, 0x0a]),
  ]),
  'X-Tags, Reply-To, two Subjects (the last counts)': message(
    `${BASE}\nX-Tags: one, two\nReply-To: r@example.com\nSubject: second`,
  ),
  'an unreadable date and no Message-ID': message(
    'From: a@example.com\nDate: yesterday\nSubject: x',
  ),
};

/** Messages it must leave to mailparser. */
const LEFT: Record<string, Buffer> = {
  multipart: message(
    `${BASE}\nContent-Type: multipart/mixed; boundary=b`,
    '--b\r\n\r\nx\r\n--b--\r\n',
  ),
  html: message(`${BASE}\nContent-Type: text/html`, '<p>x</p>'),
  'format=flowed': message(`${BASE}\nContent-Type: text/plain; format=flowed`),
  'another charset': message(`${BASE}\nContent-Type: text/plain; charset=iso-8859-1`),
  'quoted-printable': message(`${BASE}\nContent-Transfer-Encoding: quoted-printable`, 'a=3Db'),
  base64: message(`${BASE}\nContent-Transfer-Encoding: base64`, 'aGVsbG8=\r\n'),
  'an attachment disposition': message(`${BASE}\nContent-Disposition: attachment; filename=a.txt`),
  'two Content-Types': message(`${BASE}\nContent-Type: text/plain\nContent-Type: text/html`),
  '8-bit header bytes': Buffer.concat([
    Buffer.from('Subject: caf'),
    Buffer.from([0xe9]),
    message(`\n${BASE}`),
  ]),
  'LF line ends': Buffer.from(`${BASE}\n\nbody\n`),
  'an mbox From line': message(`From ann@example.com Sun Dec  6 08:37:44 2026\n${BASE}`),
  'no empty line after the header': Buffer.from(`${BASE.replace(/\n/g, '\r\n')}\r\n`),
  'a field name with a space': message(`${BASE}\nX Bad : value`),
};

describe('readSimpleMessage', () => {
  it.each(Object.entries(TAKEN))('reads a message with %s as mailparser does', async (_, raw) => {
    expect(await expectAlike(raw)).toBe(true);
  });

  it.each(Object.entries(LEFT))('leaves a message with %s to mailparser', async (_, raw) => {
    expect(await expectAlike(raw)).toBe(false);
  });

  it('reads the same from a message in chunks', async () => {
    const raw = TAKEN['folded fields and encoded words']!;
    const chunks = [raw.subarray(0, 10), raw.subarray(10, 200), raw.subarray(200)];
    expect(readSimpleMessage(chunks)).not.toBeNull();
    expect(await parseMessage(chunks)).toStrictEqual(
      await parseMessage(raw, { simplePath: false }),
    );
  });

  it('reads the fixtures as mailparser does, as sent over SMTP (CRLF) and as stored', async () => {
    let taken = 0;
    for (const path of emlFiles(FIXTURES, { recursive: true })) {
      const raw = readFileSync(path);
      for (const form of [raw, crlf(raw)]) if (await expectAlike(form)) taken++;
    }
    expect(taken).toBeGreaterThan(0);
  });
});

describeWithCorpus('readSimpleMessage, the corpus', (corpus) => {
  it('reads every message it takes as mailparser does', async () => {
    let taken = 0;
    const files = emlFiles(corpus, { recursive: true });
    for (const path of files) {
      const raw = readFileSync(path);
      for (const form of [raw, crlf(raw)]) if (await expectAlike(form)) taken++;
    }
    // Not a vacuous pass: plain text mail is common in the corpus too.
    expect(taken).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
