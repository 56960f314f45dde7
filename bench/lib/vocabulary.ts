/**
 * Deterministic words and names for generated mail, so that every run stores the same
 * mailbox and a search term matches the same share of it at every size.
 */

/** mulberry32: small, fast and good enough for picking words. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
const CODAS = ['', '', 'n', 'r', 's', 'l', 'nd', 'rt'];

/**
 * Pseudo-words of 2-3 syllables. With WORDS_PER_BODY words drawn from VOCABULARY_SIZE,
 * each word appears in about 1% of messages: a "word search" has a realistic match set.
 */
function makeVocabulary(size: number): string[] {
  const random = createRandom(20260501);
  const words = new Set<string>();
  while (words.size < size) {
    const syllables = 2 + Math.floor(random() * 2);
    let word = '';
    for (let i = 0; i < syllables; i++)
      word += pick(random, ONSETS) + pick(random, VOWELS) + pick(random, CODAS);
    if (word.length >= 5 && !word.startsWith('qq') && !word.startsWith('zq')) words.add(word);
  }
  return [...words];
}

export const VOCABULARY_SIZE = 2000;
export const WORDS_PER_BODY = 20;
export const VOCABULARY: readonly string[] = makeVocabulary(VOCABULARY_SIZE);

export const FIRST_NAMES: readonly string[] = [
  'Alice',
  'Bob',
  'Carol',
  'Dmitri',
  'Eun-ji',
  'Farah',
  'Giulia',
  'Hiroshi',
  'Ines',
  'Jonas',
  'Kwame',
  'Lena',
  'Mateo',
  'Nadia',
  'Oskar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tomoko',
];
export const LAST_NAMES: readonly string[] = [
  'Anders',
  'Baker',
  'Chen',
  'Diallo',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ivanova',
  'Jensen',
  'Kim',
  'Lopez',
  'Moreau',
  'Novak',
  'Okafor',
  'Park',
  'Rossi',
  'Sato',
  'Tanaka',
];
export const DOMAINS: readonly string[] = [
  'example.com',
  'example.org',
  'example.net',
  'shop.example',
  'mail.test',
  'corp.example',
];
