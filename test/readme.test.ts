import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config/options.js';

// The README is the user's documentation; this keeps its options table true.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each(OPTIONS.map((o) => [o.name, o] as const))('documents --%s', (_name, option) => {
    const row = readme
      .split('\n')
      .find((line) => line.startsWith(`| \`--${option.name}`) && line.includes(option.env));
    expect(
      row,
      `README options table has no row for --${option.name} / ${option.env}`,
    ).toBeDefined();
    if (option.default !== undefined) expect(row).toContain(`\`${option.default}\``);
  });

  it('gives the two commands a newcomer needs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
