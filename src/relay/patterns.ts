/** A compiled rule pattern: `/regex/flags`, or a glob where `*` is any run and `?` one character. */
export type Matcher = (text: string) => boolean;

export function compilePattern(pattern: string): Matcher {
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (regex) {
    const compiled = new RegExp(regex[1]!, regex[2]!.replace('g', ''));
    return (text) => compiled.test(text);
  }
  // Globs are whole-string and case-insensitive: addresses and subjects are compared as people read them.
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const compiled = new RegExp(`^${source}$`, 'is');
  return (text) => compiled.test(text);
}
