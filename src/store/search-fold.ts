/**
 * Case and accent folding for the search index, applied in the same way to what is indexed
 * and to every search term. The trigram tokenizer folds Unicode itself, but terms shorter
 * than a trigram are found with LIKE, which folds ASCII letters only: without this, "ми"
 * would not find "МИР" nor "ec" find "ÉCOLE", while "мир" and "eco" would.
 *
 * Only Latin combining accents (U+0300-U+036F) are dropped, as remove_diacritics does;
 * the Japanese voicing marks and Hangul syllables come back whole after NFC.
 */
export function foldForSearch(text: string): string {
  // ASCII needs nothing: LIKE and the tokenizer both fold it.
  if (!NON_ASCII.test(text)) return text;
  const lower = text.toLowerCase();
  // Decomposing is the costly step; text without accented Latin letters skips it.
  if (!ACCENTED.test(lower)) return lower;
  return lower.normalize('NFD').replace(LATIN_ACCENTS, '').normalize('NFC');
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;
// Latin-1 Supplement to Latin Extended-B, Latin Extended Additional, combining accents.
const ACCENTED = /[\u00c0-\u024f\u1e00-\u1eff]|[\u0300-\u036f]/;
const LATIN_ACCENTS = /[\u0300-\u036f]/g;
