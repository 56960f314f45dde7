import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';

/**
 * The 560-message real-world corpus is not part of the repository: it sits beside it
 * (`../shared/corpus`), or wherever SLUICE_CORPUS says. A clone without it still passes
 * `npm test`, with the corpus tests skipped; CI (where `CI` is set) has it and must run them.
 */
const REPOSITORY = resolve(import.meta.dirname, '../..');
const CANDIDATE = process.env.SLUICE_CORPUS || join(REPOSITORY, '../shared/corpus');

/** The corpus folder, or null when there is none. */
export const CORPUS: string | null = existsSync(CANDIDATE) ? resolve(CANDIDATE) : null;

export const CORPUS_MISSING =
  `no mail corpus at ${CANDIDATE}: put the 560-message corpus there ` +
  '(the team keeps it beside the repository as ../shared/corpus) or set SLUICE_CORPUS to its folder';

/** Every .eml file in `dir` (and below it when `recursive`), sorted. */
export function emlFiles(dir: string, options: { recursive: boolean }): string[] {
  return readdirSync(dir, options)
    .map(String)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * `describe` for tests that need the corpus. Without it they are skipped under a name that
 * says how to get it; under CI a missing corpus is a failure, not a quiet skip.
 */
export function describeWithCorpus(name: string, body: (corpus: string) => void): void {
  if (CORPUS !== null) {
    describe(name, () => body(CORPUS!));
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('finds the corpus (CI must run these tests)', () => {
        throw new Error(CORPUS_MISSING);
      });
    });
    return;
  }
  console.warn(`${name}: skipped, ${CORPUS_MISSING}`);
  describe.skip(`${name} (skipped: ${CORPUS_MISSING})`, () => {
    it('needs the corpus', () => {});
  });
}
