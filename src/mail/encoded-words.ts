import { decodeCharset } from './charsets.js';

/**
 * RFC 2047 encoded-word decoding for display of raw header values. mailparser decodes
 * the headers it knows; this covers the rest (the headers table shows every field).
 */
const ENCODED_WORD = /=\?([^?\s]+?)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;
// Whitespace between two adjacent encoded words is not displayed (RFC 2047 section 6.2).
const BETWEEN_WORDS = /(\?=)\s+(?==\?)/g;
// A run of encoded words with nothing between them (after the line above).
const STATEFUL = /^iso-?2022/;
const WORD_RUN = /(?:=\?[^?\s]+?\?[BbQq]\?[^?\s]*\?=)+/g;

export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  return value.replace(BETWEEN_WORDS, '$1').replace(WORD_RUN, decodeRun);
}

/**
 * Adjacent words in one charset are decoded together: senders split a multi-byte
 * character across two words more often than RFC 2047 section 5 allows. Not so for the
 * stateful ISO-2022 charsets, where each word returns to ASCII and joining them would put
 * two escape sequences side by side, which decoders reject.
 */
function decodeRun(run: string): string {
  const words = [...run.matchAll(ENCODED_WORD)].map((match) => ({
    text: match[0],
    charset: match[1]!.toLowerCase(),
    bytes: wordBytes(match[2]!, match[3]!),
  }));
  let decoded = '';
  for (let i = 0; i < words.length;) {
    const { charset } = words[i]!;
    let end = i + 1;
    while (end < words.length && words[end]!.charset === charset && !STATEFUL.test(charset)) end++;
    const group = words.slice(i, end);
    try {
      decoded += decodeCharset(Buffer.concat(group.map((w) => w.bytes)), charset);
    } catch {
      decoded += group.map((w) => w.text).join('');
    }
    i = end;
  }
  return decoded;
}

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding.toUpperCase() === 'B') return Buffer.from(text, 'base64');
  return Buffer.from(
    text
      .replace(/_/g, ' ')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
}
