import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { BASE64_CHECK_BYTES } from '../../src/mail/structure-check.js';

/** A message from header lines given as bytes (latin1 string = one char per byte). */
function message(headerBytes: string, body = 'Body.\r\n'): Buffer {
  return Buffer.concat([Buffer.from(headerBytes, 'latin1'), Buffer.from('\r\n' + body)]);
}

const header = async (raw: Buffer, name: string) =>
  (await parseMessage(raw)).headers.find((h) => h.name === name)?.value;

// Cases the corpus showed: Node's TextDecoder drops windows-1252's 0x80-0x9F and CP949's
// extension, mailparser keeps raw header bytes as Latin-1 and invents a date it cannot read.
describe('parseMessage headers', () => {
  it('decodes windows-1252 and ISO-8859-1 encoded words with € and curly quotes', async () => {
    const raw = message(
      'Subject: =?windows-1252?Q?=93Special=94_=8050?=\r\nX-Note: =?iso-8859-1?Q?=80=85?=\r\n',
    );
    expect(await header(raw, 'Subject')).toBe('“Special” €50');
    // WHATWG reads iso-8859-1 as windows-1252, as mail clients do.
    expect(await header(raw, 'X-Note')).toBe('€…');
  });

  it('decodes CP949 (ks_c_5601-1987) extension syllables and KS X 1001:1998 symbols', async () => {
    const word = Buffer.from([0x8c, 0x63, 0xbe, 0xe7, 0x20, 0xa2, 0xe6]).toString('base64');
    const raw = message(`Subject: =?ks_c_5601-1987?B?${word}?=\r\n`);
    expect(await header(raw, 'Subject')).toBe('똠양 €');
    expect((await parseMessage(raw)).subject).toBe('똠양 €');
  });

  it('reads raw 8-bit headers as UTF-8, and as windows-1252 when they are not UTF-8', async () => {
    const raw = message('Subject: Gr\xc3\xbc\xc3\x9fe\r\nX-Legacy: Forma\xe7\xe3o \x80\r\n');
    expect(await header(raw, 'Subject')).toBe('Grüße');
    expect(await header(raw, 'X-Legacy')).toBe('Formação €');
  });

  it('keeps the letters of a Latin-1 Subject that mailparser would replace', async () => {
    const parsed = await parseMessage(message('Subject: Ver\xe3o\r\n'));
    expect(parsed.subject).toBe('Verão');
  });

  it('joins adjacent words that split a UTF-8 character, not ISO-2022-JP words', async () => {
    const split = message('Subject: =?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?=\r\n');
    expect(await header(split, 'Subject')).toBe('café');
    const jp = '=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=';
    expect(await header(message(`Subject: ${jp}\r\n ${jp}\r\n`), 'Subject')).toBe('テストテスト');
  });

  it('decodes words in an unknown charset as UTF-8', async () => {
    expect(await header(message('Subject: =?NONE?B?VEVTVA==?=\r\n'), 'Subject')).toBe('TEST');
  });

  it('gives no date for an unreadable Date header instead of the time of parsing', async () => {
    expect((await parseMessage(message('Date: Whenever\r\n'))).date).toBeNull();
    expect((await parseMessage(message('Subject: no date\r\n'))).date).toBeNull();
  });

  it('reads a Date with comments and spaces around the colons (RFC 5322 obs-)', async () => {
    const parsed = await parseMessage(
      message('Date: Fri, 21 Nov 1997 09(comment):   55  :  06 -0600\r\n'),
    );
    expect(parsed.date).toBe(Date.UTC(1997, 10, 21, 15, 55, 6));
  });

  it('takes the first readable Date header', async () => {
    const parsed = await parseMessage(
      message('Date: 10:00:t <x@y>\r\nDate: Tue, 7 Apr 2026 10:00:01 +0000\r\n'),
    );
    expect(parsed.date).toBe(Date.UTC(2026, 3, 7, 10, 0, 1));
  });

  it('leaves control characters out of the snippet', async () => {
    const parsed = await parseMessage(message('Subject: x\r\n', 'a\x00b\x07c\r\n'));
    expect(parsed.snippet).toBe('a b c');
    expect(parsed.text).toContain('a\x00b');
  });

  it('takes the snippet and search text of an HTML-only message from its HTML', async () => {
    const parsed = await parseMessage(
      message(
        'Subject: x\r\nContent-Type: text/html\r\n',
        '<style>p{}</style><script>bad()</script><p>Invoice <b>INV-7781</b> &amp; more</p>\r\n',
      ),
    );
    expect(parsed.text).toBeNull();
    expect(parsed.snippet).toBe('Invoice INV-7781 & more');
    expect(parsed.searchText).toContain('INV-7781');
    expect(parsed.searchText).not.toContain('bad()');
  });

  it('decodes every HTML entity in the snippet and search text of an HTML-only message', async () => {
    const parsed = await parseMessage(
      message(
        'Subject: x\r\nContent-Type: text/html\r\n',
        '<p>Caf&eacute; &mdash; 5&euro; &hellip; &copy 2026&nbsp;&#x263A; &lt;b&gt; &unknown;</p>\r\n',
      ),
    );
    expect(parsed.snippet).toBe('Café — 5€ … © 2026 ☺ <b> &unknown;');
    expect(parsed.searchText).toContain('Café — 5€ …');
  });
});

// What mailparser reads past without complaint: the message is kept and shown, and flagged.
describe('parseMessage flags what it could not make sense of', () => {
  const nested = (closeInner: boolean, closeOuter: boolean) =>
    Buffer.from(
      [
        'Subject: nested',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        '--outer',
        'Content-Type: multipart/alternative; boundary="inner"',
        '',
        '--inner',
        'Content-Type: text/plain',
        '',
        'plain words',
        ...(closeInner ? ['--inner--', 'inner epilogue'] : []),
        ...(closeOuter ? ['--outer--', 'outer epilogue'] : []),
        '',
      ].join('\r\n'),
    );

  it('flags nothing in a well-formed nested multipart, epilogues and all', async () => {
    const parsed = await parseMessage(nested(true, true));
    expect(parsed.parseError).toBeNull();
    expect(parsed.text).toContain('plain words');
  });

  it('flags a multipart whose closing boundary never came, keeping what was read', async () => {
    const parsed = await parseMessage(nested(true, false));
    expect(parsed.parseError).toBe(
      'a multipart/mixed part never ends: its closing boundary is missing (cut short?)',
    );
    expect(parsed.text).toContain('plain words');
    expect((await parseMessage(nested(false, false))).parseError).toContain(
      'multipart/alternative',
    );
  });

  it('flags a message without a header block', async () => {
    for (const raw of ['\r\nbody only\r\n', 'Hello there\r\nno colon\r\n\r\nbody\r\n', '']) {
      expect((await parseMessage(Buffer.from(raw))).parseError).toBe(
        'no header block: the message does not begin with header fields',
      );
    }
  });

  it('flags a base64 body with bytes outside base64, not line breaks and padding', async () => {
    const body = (text: string) =>
      message('Subject: b\r\nContent-Transfer-Encoding: base64\r\n', text);
    expect((await parseMessage(body('aGVs\r\nbG8=\r\n'))).parseError).toBeNull();
    expect((await parseMessage(body('aGVs!*bG8=\r\n'))).parseError).toBe(
      'a base64 part holds bytes outside base64: it could not be decoded as sent',
    );
  });

  it('checks the first BASE64_CHECK_BYTES of base64 byte by byte, not every byte of a big one', async () => {
    const lines = 'QUJD'.repeat(19) + '\r\n';
    const valid = lines.repeat(Math.ceil((BASE64_CHECK_BYTES * 2) / lines.length));
    const body = (text: string) =>
      message(
        'Subject: b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n',
        text,
      );
    expect((await parseMessage(body(`!${valid}`))).parseError).toContain('outside base64');
    expect((await parseMessage(body(`${valid}!`))).parseError).toBeNull();
  });
});
