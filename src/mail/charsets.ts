/**
 * Bytes in a named charset to text, for header values that mailparser leaves to us.
 * Node's TextDecoder is used where it is right; two families it gets wrong are decoded here:
 * - windows-1252 (which WHATWG also uses for iso-8859-1 and us-ascii): Node 20 drops the
 *   bytes 0x80-0x9F instead of mapping them to "€", curly quotes, dashes and so on;
 * - euc-kr as Outlook uses it (ks_c_5601-1987, i.e. CP949/UHC): ICU knows only KS X 1001
 *   and drops the 8,822 extension syllables such as 똠 (0x8C63).
 */
const WINDOWS_1252_LABELS = new Set([
  'windows-1252',
  'cp1252',
  'x-cp1252',
  'iso-8859-1',
  'iso8859-1',
  'iso_8859-1',
  'latin1',
  'l1',
  'us-ascii',
  'ascii',
]);
const KOREAN_LABELS = new Set([
  'euc-kr',
  'ks_c_5601-1987',
  'ks_c_5601-1989',
  'ksc5601',
  'cp949',
  'windows-949',
  'x-windows-949',
  'uhc',
]);
const ALIASES: Record<string, string> = { 'x-sjis': 'shift_jis' };

export function decodeCharset(bytes: Uint8Array, charset: string): string {
  const label = charset.trim().toLowerCase();
  if (WINDOWS_1252_LABELS.has(label)) return decodeWindows1252(bytes);
  if (KOREAN_LABELS.has(label)) return decodeUhc(bytes);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(ALIASES[label] ?? label);
  } catch {
    // An unknown label ("NONE", "X-IAS-German"): the bytes are most likely UTF-8 or Latin-1.
    return decodeUnlabelled(bytes);
  }
  return decoder.decode(bytes);
}

/**
 * Raw 8-bit header bytes: UTF-8 (RFC 6532) unless most of their non-ASCII bytes are not
 * UTF-8, which means a legacy 8-bit charset, read as windows-1252. A UTF-8 header with one
 * cut-off character stays UTF-8.
 */
export function decodeUnlabelled(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not valid UTF-8: weigh the errors against the characters that did decode.
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  // A literal U+FFFD (EF BF BD) in the input is a character, not an error.
  const literal = Buffer.from(bytes).toString('latin1').split('\xef\xbf\xbd').length - 1;
  let invalid = -literal;
  let valid = literal;
  for (const char of text) {
    if (char === '\ufffd') invalid++;
    else if (char.charCodeAt(0) >= 0x80) valid++;
  }
  return invalid >= valid ? decodeWindows1252(bytes) : text;
}

// WHATWG's windows-1252 index for 0x80-0x9F; every other byte is its own code point.
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    text +=
      byte >= 0x80 && byte < 0xa0 ? WINDOWS_1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  }
  return text;
}

/**
 * CP949: KS X 1001 (decoded by TextDecoder) plus the extension, which encodes the Hangul
 * syllables missing from KS X 1001 in Unicode order, leads 0x81-0xC6, and the two
 * symbols ICU lacks.
 */
export function decodeUhc(bytes: Uint8Array): string {
  const base = new TextDecoder('euc-kr');
  let text = '';
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const lead = bytes[i]!;
    if (lead < 0x81) continue;
    const trail = bytes[i + 1];
    if (trail === undefined || trailIndex(trail) < 0) continue;
    const extension = uhcExtension(lead, trail);
    if (extension !== null) {
      text += base.decode(bytes.subarray(start, i)) + extension;
      start = i + 2;
    }
    i++;
  }
  return text + base.decode(bytes.subarray(start));
}

/** Position of a trail byte among 0x41-0x5A, 0x61-0x7A, 0x81-0xFE; -1 if it is none of them. */
function trailIndex(trail: number): number {
  if (trail >= 0x41 && trail <= 0x5a) return trail - 0x41;
  if (trail >= 0x61 && trail <= 0x7a) return 26 + trail - 0x61;
  if (trail >= 0x81 && trail <= 0xfe) return 52 + trail - 0x81;
  return -1;
}

// Added to KS X 1001 in 1998; ICU's table predates them.
const KS_X_1001_1998: Record<number, string> = { 0xa2e6: '\u20ac', 0xa2e7: '\u00ae' };

function uhcExtension(lead: number, trail: number): string | null {
  const added = KS_X_1001_1998[(lead << 8) | trail];
  if (added) return added;
  const index = trailIndex(trail);
  let position: number;
  if (lead <= 0xa0) position = (lead - 0x81) * 178 + index;
  else if (lead <= 0xc6 && trail < 0xa1) position = 32 * 178 + (lead - 0xa1) * 84 + index;
  else return null;
  return extensionSyllables()[position] ?? null;
}

let syllables: string[] | undefined;

/** The 8,822 Hangul syllables that KS X 1001 (0xB0A1-0xC8FE) lacks, in Unicode order. */
function extensionSyllables(): string[] {
  if (syllables) return syllables;
  const pairs: number[] = [];
  for (let lead = 0xb0; lead <= 0xc8; lead++) {
    for (let trail = 0xa1; trail <= 0xfe; trail++) pairs.push(lead, trail);
  }
  const inKsX1001 = new Set(new TextDecoder('euc-kr').decode(new Uint8Array(pairs)));
  syllables = [];
  for (let code = 0xac00; code <= 0xd7a3; code++) {
    const syllable = String.fromCharCode(code);
    if (!inKsX1001.has(syllable)) syllables.push(syllable);
  }
  return syllables;
}
