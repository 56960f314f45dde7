import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findOption, OPTIONS } from '../src/config/options.js';

// The Dockerfile cannot be built here; these checks keep it in step with the code: the
// settings it sets exist, it exposes the ports they listen on, and its Node is a supported
// LTS line that package.json's engines allow.

const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
const engines = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  .engines.node as string;

/** ENV KEY=VALUE pairs, continuation lines included. */
function envOf(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const [, block] of text.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
    for (const [, key, value] of block!.matchAll(/(\w+)=(\S+)/g)) env.set(key!, value!);
  }
  return env;
}

describe('Dockerfile', () => {
  const env = envOf(dockerfile);

  it('sets only settings that exist', () => {
    const names = new Set(OPTIONS.map((o) => o.env));
    for (const key of env.keys()) {
      if (key.startsWith('SLUICE_')) expect(names, key).toContain(key);
    }
  });

  it('binds every listener to all interfaces and exposes its port', () => {
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(/\s+/).map(Number);
    for (const name of ['smtp', 'smtp-starttls', 'smtps', 'http']) {
      const option = findOption(name)!;
      const port = Number(option.default!.split(':').pop());
      expect(env.get(option.env), option.env).toBe(`0.0.0.0:${port}`);
      expect(exposed, `${option.env} port`).toContain(port);
    }
    expect(exposed).toHaveLength(4);
  });

  it('runs a supported Node LTS line that package.json allows', () => {
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    for (const major of bases) {
      // Even majors are the LTS lines; 20 reached its end of life in April 2026.
      expect(major % 2, `node:${major}`).toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
      expect(engines).toMatch(new RegExp(`>=22\\.\\d+\\.\\d+ <(\\d+)`));
      expect(major).toBeLessThan(Number(/<(\d+)/.exec(engines)![1]));
    }
  });
});
