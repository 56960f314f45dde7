import { basicHeaders, CRLF, message, multipartTop, type HostileCase } from './mime-build.js';

// Hostile MIME structure: deep nesting, and boundaries that are missing, empty, doubled.

const DEPTH = 1000;

/** `depth` multiparts, each inside the previous one, with a text leaf at the bottom. */
function nestedMultipart(options: {
  depth: number;
  boundary: (level: number) => string;
  closed: boolean;
}): string {
  const { depth, boundary } = options;
  let body = '';
  for (let level = 1; level <= depth; level++) {
    body += `--${boundary(level - 1)}${CRLF}`;
    body += `Content-Type: multipart/mixed; boundary="${boundary(level)}"${CRLF}${CRLF}`;
  }
  body += `--${boundary(depth)}${CRLF}Content-Type: text/plain${CRLF}${CRLF}deepest leaf${CRLF}`;
  if (options.closed) {
    for (let level = depth; level >= 0; level--) body += `--${boundary(level)}--${CRLF}`;
  }
  return body;
}

export const STRUCTURE_CASES: HostileCase[] = [
  {
    name: 'multipart nested 1,000 levels, closed',
    build: () =>
      message(
        multipartTop('nested closed', 'b0'),
        nestedMultipart({ depth: DEPTH, boundary: (l) => `b${l}`, closed: true }),
      ),
  },
  {
    name: 'multipart nested 1,000 levels, truncated mid-part',
    build: (random) => {
      const full = nestedMultipart({ depth: DEPTH, boundary: (l) => `b${l}`, closed: false });
      return message(
        multipartTop('nested truncated', 'b0'),
        full.slice(0, random.int(100, full.length - 1)),
      );
    },
  },
  {
    name: 'multipart nested 1,000 levels, every level the same boundary',
    build: () =>
      message(
        multipartTop('nested same boundary', 'same'),
        nestedMultipart({ depth: DEPTH, boundary: () => 'same', closed: true }),
      ),
  },
  {
    name: 'message/rfc822 nested 500 levels',
    build: () => {
      let body = 'innermost body' + CRLF;
      for (let level = 0; level < 500; level++) {
        body = `Subject: level ${level}${CRLF}Content-Type: message/rfc822${CRLF}${CRLF}${body}`;
      }
      return message(basicHeaders('rfc822 nest', ['Content-Type: message/rfc822']), body);
    },
  },
  {
    name: 'multipart without a boundary parameter',
    build: () =>
      message(
        basicHeaders('no boundary', ['Content-Type: multipart/mixed']),
        `--x${CRLF}Content-Type: text/plain${CRLF}${CRLF}text${CRLF}--x--${CRLF}`,
      ),
  },
  {
    name: 'multipart whose boundary never appears',
    build: () => message(multipartTop('missing boundary', 'never-used'), 'only a preamble\r\n'),
  },
  {
    name: 'multipart with an empty boundary',
    build: () =>
      message(
        basicHeaders('empty boundary', ['Content-Type: multipart/mixed; boundary=""']),
        `--${CRLF}${CRLF}a${CRLF}----${CRLF}`,
      ),
  },
  {
    name: 'multipart with two boundary parameters, parts using both',
    build: () =>
      message(
        basicHeaders('duplicate boundary', [
          'Content-Type: multipart/mixed; boundary="one"; boundary="two"',
        ]),
        [
          '--one',
          'Content-Type: text/plain',
          '',
          'part under one',
          '--two',
          'Content-Type: text/plain',
          '',
          'part under two',
          '--one--',
          '--two--',
          '',
        ].join(CRLF),
      ),
  },
  {
    name: 'multipart closed twice, then more parts after the close',
    build: () =>
      message(
        multipartTop('closed twice', 'z'),
        ['--z', '', 'a', '--z--', '--z--', '--z', '', 'after the end', '--z--', ''].join(CRLF),
      ),
  },
  {
    name: 'multipart with 1,500 sibling parts (past the parser node limit)',
    build: () => {
      let body = '';
      for (let i = 0; i < 1500; i++) {
        body += `--s${CRLF}Content-Type: application/octet-stream; name="f${i}.bin"${CRLF}`;
        body += `Content-Disposition: attachment; filename="f${i}.bin"${CRLF}${CRLF}x${i}${CRLF}`;
      }
      return message(multipartTop('wide', 's'), body + `--s--${CRLF}`);
    },
  },
];
