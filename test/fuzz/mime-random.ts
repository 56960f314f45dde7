import { base64Lines, CRLF, encodedWord, terminate } from './mime-build.js';
import type { Random } from './random.js';

const CHARSETS = [
  'utf-8',
  'iso-8859-1',
  'windows-1252',
  'koi8-r',
  'shift_jis',
  'gb2312',
  'euc-kr',
  'utf-16',
  'x-unknown',
  'utf-7',
  '',
];
const LEAF_TYPES = [
  'text/plain',
  'text/html',
  'application/octet-stream',
  'image/png',
  'text/calendar',
  'application/pdf',
  'message/delivery-status',
];
const ENCODINGS = ['7bit', '8bit', 'binary', 'base64', 'quoted-printable', 'x-bogus', ''];

/**
 * A random MIME message: a tree of multiparts and leaves with random types, charsets and
 * transfer encodings (correctly or wrongly applied), random header text with encoded
 * words, then a few random mutations of the bytes (truncation, deleted or repeated lines,
 * flipped bytes, NULs, bare CR/LF). Sized to stay small so that hundreds run quickly.
 */
export function randomMessage(random: Random): Buffer {
  const roll = random.next();
  if (roll < 0.15) return terminate(random.bytes(random.int(0, 16 * 1024)));
  const headers = [
    `From: ${randomPhrase(random)} <${random.word(6)}@${random.word(5)}.test>`,
    `To: ${randomPhrase(random)} <${random.word(4)}@rcpt.test>`,
    `Subject: ${randomPhrase(random)}`,
    'MIME-Version: 1.0',
  ];
  const raw = Buffer.from(headers.join(CRLF) + CRLF + renderNode(random, 0), 'latin1');
  return terminate(mutate(random, raw));
}

function renderNode(random: Random, depth: number): string {
  if (depth < 4 && random.chance(0.4)) {
    const boundary = random.chance(0.1) ? '' : random.word(random.int(1, 30));
    const subtype = random.pick(['mixed', 'alternative', 'related', 'digest', 'x-odd']);
    let out = `Content-Type: multipart/${subtype}; boundary="${boundary}"${CRLF}${CRLF}`;
    if (random.chance(0.3)) out += `preamble ${random.word(10)}${CRLF}`;
    const children = random.int(0, 5);
    for (let i = 0; i < children; i++) {
      // Now and then a child uses a wrong or missing delimiter line.
      const delimiter = random.chance(0.05) ? random.word(8) : boundary;
      out += `--${delimiter}${CRLF}${renderNode(random, depth + 1)}${CRLF}`;
    }
    if (random.chance(0.8)) out += `--${boundary}--${CRLF}`;
    if (random.chance(0.2)) out += `epilogue${CRLF}`;
    return out;
  }
  if (depth < 4 && random.chance(0.05)) {
    return `Content-Type: message/rfc822${CRLF}${CRLF}Subject: inner${CRLF}${renderNode(random, depth + 1)}`;
  }
  return renderLeaf(random);
}

function renderLeaf(random: Random): string {
  const type = random.pick(LEAF_TYPES);
  const charset = random.pick(CHARSETS);
  const encoding = random.pick(ENCODINGS);
  const content = randomContent(random, type);
  let header = `Content-Type: ${type}${charset ? `; charset="${charset}"` : ''}`;
  if (random.chance(0.3)) header += `; name="${randomPhrase(random)}"`;
  header += CRLF;
  if (encoding) header += `Content-Transfer-Encoding: ${encoding}${CRLF}`;
  if (random.chance(0.3)) {
    const kind = random.pick(['attachment', 'inline', 'bogus']);
    header += `Content-Disposition: ${kind}; filename="${randomPhrase(random)}"${CRLF}`;
  }
  if (random.chance(0.2)) header += `Content-ID: <${random.word(8)}@cid.test>${CRLF}`;
  return header + CRLF + encode(random, encoding, content);
}

function randomContent(random: Random, type: string): Buffer {
  if (type === 'text/html') {
    const tags = ['<p>', '</p>', '<br>', '<a href="cid:x">', '</a>', '<img src="cid:y">', '&amp;'];
    let html = '';
    const count = random.int(0, 200);
    for (let i = 0; i < count; i++) html += random.chance(0.5) ? random.pick(tags) : random.word(5);
    return Buffer.from(html);
  }
  if (type.startsWith('text/')) return Buffer.from(randomPhrase(random).repeat(random.int(1, 50)));
  return random.bytes(random.int(0, 4096));
}

/** Applies the encoding properly most of the time; otherwise leaves the bytes raw. */
function encode(random: Random, encoding: string, content: Buffer): string {
  if (random.chance(0.2)) return content.toString('latin1');
  if (encoding === 'base64') return base64Lines(content);
  if (encoding === 'quoted-printable') {
    return content.toString('latin1').replace(/[^\x20-\x3c\x3e-\x7e]/g, (ch) => {
      return '=' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
    });
  }
  return content.toString('latin1');
}

/** Header text: words, raw 8-bit bytes and encoded words, some of them broken. */
function randomPhrase(random: Random): string {
  const pieces: string[] = [];
  const count = random.int(1, 6);
  for (let i = 0; i < count; i++) {
    const roll = random.next();
    if (roll < 0.5) pieces.push(random.word(random.int(1, 12)));
    else if (roll < 0.7)
      pieces.push(encodedWord(random.bytes(random.int(0, 20)), random.pick(CHARSETS) || 'utf-8'));
    else if (roll < 0.8) pieces.push(`=?${random.pick(CHARSETS)}?Q?${random.word(5)}=ZZ`);
    else
      pieces.push(
        random
          .bytes(random.int(1, 8))
          .toString('latin1')
          .replace(/[\r\n]/g, ' '),
      );
  }
  return pieces.join(' ');
}

function mutate(random: Random, raw: Buffer): Buffer {
  let out = raw;
  const count = random.chance(0.5) ? 0 : random.int(1, 4);
  for (let i = 0; i < count; i++) {
    const at = random.int(0, Math.max(0, out.length - 1));
    switch (random.int(0, 5)) {
      case 0: // truncate
        out = out.subarray(0, at);
        break;
      case 1: // flip a few bytes
        out = Buffer.from(out);
        for (let j = 0; j < 8 && at + j < out.length; j++) out[at + j] = random.int(0, 255);
        break;
      case 2: // insert NULs
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.alloc(random.int(1, 16)),
          out.subarray(at),
        ]);
        break;
      case 3: // a bare CR or LF
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.from(random.pick(['\r', '\n'])),
          out.subarray(at),
        ]);
        break;
      case 4: // repeat a slice (a duplicated boundary or header)
        out = Buffer.concat([
          out.subarray(0, at),
          out.subarray(at, at + random.int(1, 200)),
          out.subarray(at),
        ]);
        break;
      default: // delete a slice (a missing boundary)
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + random.int(1, 200))]);
    }
  }
  return out;
}
