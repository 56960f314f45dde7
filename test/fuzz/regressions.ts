import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REGRESSIONS_DIR = fileURLToPath(new URL('../fixtures/regressions/', import.meta.url));

/**
 * One input that broke Sluice, from test/fixtures/regressions/regressions.json.
 * `open`: the bug is still there (its test is expected to fail); `fixed`: it must pass;
 * `latent`: passes today only because another bug hides it.
 */
export interface Regression {
  readonly file: string;
  readonly status: 'open' | 'fixed' | 'latent';
  readonly bug: string;
  /** Whether the generic replay (test/fuzz/regressions.test.ts) sends it. */
  readonly replay: boolean;
  readonly expect?: { readonly snippetIncludes?: string; readonly searchFinds?: string };
}

let loaded: Regression[] | undefined;

export function loadRegressions(): Regression[] {
  loaded ??= Object.entries(
    JSON.parse(readFileSync(REGRESSIONS_DIR + 'regressions.json', 'utf8')) as Record<
      string,
      Omit<Regression, 'file'>
    >,
  ).map(([file, entry]) => ({ file, ...entry }));
  return loaded;
}

export function regressionFixture(file: string): Buffer {
  return readFileSync(REGRESSIONS_DIR + file);
}

export function isOpen(file: string): boolean {
  return loadRegressions().find((r) => r.file === file)?.status === 'open';
}

/**
 * Whether fetching this part fails by a bug already recorded as open, so that the random
 * fuzzing keeps looking for new failures instead of stopping at a known one. When the
 * fixture's status becomes `fixed`, such parts are checked like any other.
 */
export function knownOpenPartBug(part: { contentType: string; filename: string | null }): boolean {
  // Node refuses header values with characters outside tab, 0x20-0x7e and 0x80-0xff.
  const badHeader = /[^\t\x20-\x7e\x80-\xff]/.test(part.contentType);
  const loneSurrogate = /\p{Cs}/u.test(`${part.filename ?? ''}${part.contentType}`);
  return (
    (badHeader && isOpen('part-content-type-control-char.eml')) ||
    (loneSurrogate && isOpen('part-filename-lone-surrogate.eml'))
  );
}
