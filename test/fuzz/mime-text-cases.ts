import {
  basicHeaders,
  CRLF,
  encodedWord,
  message,
  multipartTop,
  terminate,
  type HostileCase,
} from './mime-build.js';

// Hostile MIME text: huge headers and lines, invalid charsets and transfer encodings, NUL
// bytes, encoded-word abuse.

const MB = 1024 * 1024;

export const HEADER_CASES: HostileCase[] = [
  {
    name: 'one header of 1 MB on a single line',
    build: () => message(basicHeaders('x'.repeat(MB)), 'body\r\n'),
  },
  {
    name: 'one header of 1 MB folded over 16,000 lines',
    build: () => message(basicHeaders(`${'y'.repeat(62)}${CRLF} `.repeat(16_000) + 'end'), 'b\r\n'),
  },
  {
    name: '10,000 headers',
    build: () => {
      const extra = Array.from({ length: 10_000 }, (_, i) => `X-Fuzz-${i}: value ${i}`);
      return message(basicHeaders('many headers', extra), 'body\r\n');
    },
  },
  {
    name: '10,000 header lines without a colon',
    build: () => {
      const extra = Array.from({ length: 10_000 }, (_, i) => `no colon on line ${i}`);
      return message(basicHeaders('colonless', extra), 'body\r\n');
    },
  },
  {
    name: 'Content-Type with 10,000 parameters and RFC 2231 continuations',
    build: () => {
      const params = Array.from({ length: 10_000 }, (_, i) => `filename*${i}*=utf-8''%41${i}`);
      return message(
        basicHeaders('params', [
          `Content-Type: text/plain; charset=utf-8;${CRLF} ${params.join(`;${CRLF} `)}`,
        ]),
        'body\r\n',
      );
    },
  },
  {
    name: 'To with 20,000 addresses',
    build: () => {
      const to = Array.from({ length: 20_000 }, (_, i) => `u${i}@x.test`).join(`,${CRLF} `);
      return message(['From: a@b.test', `To: ${to}`, 'Subject: many rcpts'], 'body\r\n');
    },
  },
];

export const LINE_CASES: HostileCase[] = [
  {
    name: 'body line of 1 MB',
    build: () => message(basicHeaders('long line'), 'z'.repeat(MB) + CRLF),
  },
  {
    name: 'base64 part of 1 MB on one line',
    build: (random) =>
      message(
        basicHeaders('b64 one line', [
          'Content-Type: application/octet-stream',
          'Content-Transfer-Encoding: base64',
        ]),
        random.bytes(768 * 1024).toString('base64') + CRLF,
      ),
  },
  {
    name: 'quoted-printable of 1 MB with only soft line breaks',
    build: () =>
      message(
        basicHeaders('qp soft', ['Content-Transfer-Encoding: quoted-printable']),
        `${'q'.repeat(75)}=${CRLF}`.repeat(13_000),
      ),
  },
  {
    name: 'a 1 MB line of bare CRs',
    build: () => message(basicHeaders('bare cr'), '\r'.repeat(MB) + CRLF),
  },
];

export const ENCODING_CASES: HostileCase[] = [
  {
    name: 'parts in invalid and exotic charsets',
    build: (random) => {
      const charsets = [
        'x-no-such-charset',
        'utf-7',
        'utf-16',
        'utf-16le',
        'utf-32',
        '"quoted\\"charset"',
        'iso-2022-jp',
        'utf-8\x00evil',
        '',
        'x'.repeat(5000),
      ];
      let body = '';
      for (const charset of charsets) {
        body += `--c${CRLF}Content-Type: text/plain; charset=${charset}${CRLF}${CRLF}`;
        body += random.bytes(random.int(1, 300)).toString('latin1') + CRLF;
      }
      return message(multipartTop('charsets', 'c'), body + `--c--${CRLF}`);
    },
  },
  {
    name: 'invalid transfer encodings',
    build: (random) => {
      const parts = [
        ['x-garbage', 'not really encoded'],
        ['base64', '!!!!####%%%%====AAAA====' + random.bytes(200).toString('latin1')],
        ['base64', '='.repeat(5000)],
        ['quoted-printable', '=ZZ=Q=\r=\n==' + '='.repeat(1000)],
        ['x-uuencode', 'begin 644 a.bin\r\nM' + '!'.repeat(60) + '\r\nend'],
        ['binary', random.bytes(2000).toString('latin1')],
        ['base64; base64', 'QUJD'],
      ];
      let body = '';
      for (const [encoding, content] of parts) {
        body += `--e${CRLF}Content-Type: application/octet-stream${CRLF}`;
        body += `Content-Transfer-Encoding: ${encoding}${CRLF}${CRLF}${content}${CRLF}`;
      }
      return message(multipartTop('encodings', 'e'), body + `--e--${CRLF}`);
    },
  },
  {
    name: 'NUL bytes in header names, values, boundaries and bodies',
    build: () =>
      message(
        [
          'From: N\x00ul <nul\x00@sender.test>',
          'Subject: nul \x00 subject',
          'X-\x00Name: v',
          'Content-Type: multipart/mixed; boundary="n\x00b"',
        ],
        `--n\x00b${CRLF}Content-Type: text/plain${CRLF}${CRLF}a\x00b\x00\x00c${CRLF}--n\x00b--${CRLF}`,
      ),
  },
  {
    name: 'only NUL bytes',
    build: () => terminate(Buffer.alloc(64 * 1024)),
  },
];

export const ENCODED_WORD_CASES: HostileCase[] = [
  {
    name: '10,000 encoded words in the subject',
    build: () => {
      const subject = Array.from({ length: 10_000 }, (_, i) => encodedWord(`w${i}`)).join(
        `${CRLF} `,
      );
      return message(basicHeaders(subject), 'body\r\n');
    },
  },
  {
    name: '5,000 encoded words in unknown charsets',
    build: () => {
      const subject = Array.from({ length: 5000 }, (_, i) => `=?x-bogus-${i}?Q?abc=ZZ?=`).join(' ');
      return message(basicHeaders(subject, [`X-Words: ${subject}`]), 'body\r\n');
    },
  },
  {
    name: 'unterminated and malformed encoded words everywhere',
    build: () => {
      const bad = [
        '=?utf-8?B?unterminated',
        '=?utf-8?Q?',
        '=??B?QQ==?=',
        '=?utf-8?X?unknown-encoding?=',
        '=?utf-8?B?!!notbase64!!?=',
        '=?=?utf-8?Q?nested?=?=',
        '=?utf-16?B?AA?=',
        '=?utf-32?B?AAAA2P8A?=',
        '=?utf-8*en?Q?with_language?=',
        '=?' + 'c'.repeat(10_000) + '?B?QQ==?=',
      ].join(' ');
      return message(
        [
          `From: ${bad} <a@b.test>`,
          `To: ${bad} <c@d.test>`,
          `Subject: ${bad}`,
          'Content-Type: multipart/mixed; boundary=w',
        ],
        `--w${CRLF}Content-Disposition: attachment; filename="${bad}"${CRLF}${CRLF}x${CRLF}--w--${CRLF}`,
      );
    },
  },
];
