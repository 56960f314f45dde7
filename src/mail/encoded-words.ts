/**
 * RFC 2047 encoded-word decoding for display of raw header values. mailparser decodes
 * the headers it knows; this covers the rest (the headers table shows every field).
 */
const ENCODED_WORD = /=\?([^?\s]+?)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;
// Whitespace between two adjacent encoded words is not displayed (RFC 2047 section 6.2).
const BETWEEN_WORDS = /(\?=)\s+(?==\?)/g;

export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  return value
    .replace(BETWEEN_WORDS, '$1')
    .replace(ENCODED_WORD, (word, charset: string, encoding: string, text: string) => {
      try {
        const bytes =
          encoding.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : Buffer.from(
                text
                  .replace(/_/g, ' ')
                  .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
                    String.fromCharCode(parseInt(hex, 16)),
                  ),
                'latin1',
              );
        return decodeCharset(bytes, charset);
      } catch {
        return word;
      }
    });
}

const CHARSET_ALIASES: Record<string, string> = {
  'ks_c_5601-1987': 'euc-kr', // Outlook's name for CP949, which WHATWG's euc-kr decoder covers
  cp949: 'euc-kr',
  'x-sjis': 'shift_jis',
};

export function decodeCharset(bytes: Buffer, charset: string): string {
  const label = charset.trim().toLowerCase();
  return new TextDecoder(CHARSET_ALIASES[label] ?? label).decode(bytes);
}
