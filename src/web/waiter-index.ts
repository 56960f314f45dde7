import type { CompiledSearch, MatchTarget } from '../store/search-match.js';
import type { SearchColumn } from '../store/search-sql.js';
import type { TextField } from '../store/search-query.js';

/** Header fields a summary carries whole, so a term on one is decided without the body. */
const SUMMARY_COLUMNS: Partial<Record<TextField, SearchColumn>> = {
  from: 'sender',
  to: 'recipients',
  cc: 'cc',
  subject: 'subject',
};
const TRIGRAM = 3;

/**
 * Which waiting searches a new message may match, without trying every one (issue 12:
 * 2,000 waiters and a burst of mail were 10 million tries). A text term is a substring
 * match, so a search with a positive `to:`/`from:`/`cc:`/`subject:` term of three
 * characters or more can only match a message whose header text holds each of the term's
 * trigrams: it is filed under one of them, the one with the fewest searches filed so far,
 * so that no bucket grows with the waiters. The rest (free words that may be in the body,
 * flags, dates) are tried on every message, as before.
 */
export class WaiterIndex<T extends { readonly search: CompiledSearch }> {
  readonly #buckets = new Map<string, Set<T>>();
  readonly #filedUnder = new Map<T, string>();
  readonly #everywhere = new Set<T>();

  add(entry: T): void {
    const trigrams = filingTrigrams(entry.search);
    if (trigrams.length === 0) return void this.#everywhere.add(entry);
    let best = trigrams[0]!;
    for (const trigram of trigrams)
      if ((this.#buckets.get(trigram)?.size ?? 0) < (this.#buckets.get(best)?.size ?? 0))
        best = trigram;
    let bucket = this.#buckets.get(best);
    if (!bucket) this.#buckets.set(best, (bucket = new Set()));
    bucket.add(entry);
    this.#filedUnder.set(entry, best);
  }

  delete(entry: T): void {
    this.#everywhere.delete(entry);
    const trigram = this.#filedUnder.get(entry);
    if (trigram === undefined) return;
    this.#filedUnder.delete(entry);
    const bucket = this.#buckets.get(trigram)!;
    bucket.delete(entry);
    if (bucket.size === 0) this.#buckets.delete(trigram);
  }

  /** Every entry that may match the message (and some that will not). */
  candidates(target: MatchTarget): Set<T> {
    const found = new Set(this.#everywhere);
    if (this.#buckets.size === 0) return found;
    const seen = new Set<string>();
    for (const column of Object.values(SUMMARY_COLUMNS)) {
      const text = target.text[column] ?? '';
      for (let i = 0; i + TRIGRAM <= text.length; i++) {
        const trigram = text.slice(i, i + TRIGRAM);
        if (seen.has(trigram)) continue;
        seen.add(trigram);
        for (const entry of this.#buckets.get(trigram) ?? []) found.add(entry);
      }
    }
    return found;
  }
}

/** The trigrams a search may be filed under: those of its positive header-field terms. */
function filingTrigrams(search: CompiledSearch): string[] {
  const trigrams: string[] = [];
  for (const term of search.terms) {
    if (term.kind !== 'text' || term.negate || !SUMMARY_COLUMNS[term.field]) continue;
    for (let i = 0; i + TRIGRAM <= term.value.length; i++)
      trigrams.push(term.value.slice(i, i + TRIGRAM));
  }
  return trigrams;
}
