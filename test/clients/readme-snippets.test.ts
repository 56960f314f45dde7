import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectSnippets, DEFAULT_TARGET } from '../../ui/src/snippets/snippets.js';

// README's client snippets are the generator's output for the default listeners, block for
// block, so that what snippets.test.ts runs with real clients is what README shows.
// A block is marked by the comment above its fence: <!-- snippet: django-starttls -->.

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const MARKED_BLOCK = /<!-- snippet: ([\w-]+) -->\s*```(\w+)\n([\s\S]*?)\n```/g;
const blocks = [...readme.matchAll(MARKED_BLOCK)].map(([, id, language, code]) => ({
  id: id!,
  language: language!,
  code: code!,
}));
const snippets = connectSnippets(DEFAULT_TARGET);

describe("README's client snippets", () => {
  it('show every snippet once, in the inbox order', () => {
    expect(blocks.map((b) => b.id)).toEqual(snippets.map((s) => s.id));
  });

  it.each(snippets.map((s) => [s.id, s] as const))('%s is the generated text', (id, snippet) => {
    const block = blocks.find((b) => b.id === id);
    expect(block, `README has no block marked ${id}`).toBeDefined();
    expect(block!.code).toBe(snippet.code);
    expect(block!.language).toBe(snippet.language);
  });

  it('leave no fenced block in the client section unmarked', () => {
    const section = readme.slice(
      readme.indexOf('### Snippets'),
      readme.indexOf('\n## ', readme.indexOf('### Snippets')),
    );
    const fences = section.match(/^```\w+$/gm) ?? [];
    expect(fences).toHaveLength(snippets.length);
  });
});
