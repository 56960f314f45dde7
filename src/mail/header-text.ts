import iconv from 'iconv-lite';
import libmime from 'libmime';

/**
 * Header values as text, for the headers that mailparser leaves to us (the headers table
 * shows every field). The decoders are mailparser's own: libmime for RFC 2047 encoded words
 * (iconv-lite underneath, with CP949 for ks_c_5601-1987 and windows-1252 for iso-8859-1),
 * so a Subject reads the same in the list and in the headers table.
 */
export function decodeEncodedWords(value: string): string {
  return value.includes('=?') ? libmime.decodeWords(value) : value;
}

/**
 * Raw 8-bit header bytes, which carry no charset: UTF-8 (RFC 6532) unless most of their
 * non-ASCII bytes are not UTF-8, which means a legacy 8-bit charset, read as windows-1252.
 * A UTF-8 header with one cut-off character stays UTF-8.
 */
export function decodeUnlabelled(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not valid UTF-8: weigh the errors against the characters that did decode.
  }
  const text = bytes.toString('utf8');
  // A literal U+FFFD (EF BF BD) in the input is a character, not an error.
  const literal = bytes.toString('latin1').split('\xef\xbf\xbd').length - 1;
  let invalid = -literal;
  let valid = literal;
  for (const char of text) {
    if (char === '\ufffd') invalid++;
    else if (char.charCodeAt(0) >= 0x80) valid++;
  }
  return invalid >= valid ? iconv.decode(bytes, 'windows-1252') : text;
}
