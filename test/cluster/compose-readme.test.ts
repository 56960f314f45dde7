import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { PROBE_PATHS } from '../../src/web/routes/probes.js';

// README's two instances on one PostgreSQL is a setup people copy: each Sluice service must
// start on the shared database as the image runs it, and the balancer's check must be one
// Sluice answers (a probe path, a Host name it serves).

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(
  readme.indexOf('## Several instances on PostgreSQL'),
  readme.indexOf('## Development'),
);
const block = (fence: string) =>
  new RegExp('```' + fence + '\\n([\\s\\S]*?)```').exec(section)![1]!;

/** The environment the image sets (Dockerfile ENV). */
function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile.slice(dockerfile.lastIndexOf('FROM ')))!;
  return Object.fromEntries(
    env[1]!
      .split(/\\\n|\s+/)
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );
}

interface Service {
  environment?: Record<string, string>;
  depends_on?: unknown;
}

describe('README: several instances on PostgreSQL', () => {
  const compose = parse(block('yaml'), { merge: true }) as { services: Record<string, Service> };
  const sluices = Object.entries(compose.services).filter(([name]) => name.startsWith('sluice'));

  it('has two Sluice services on one PostgreSQL database, behind a balancer', () => {
    expect(sluices.map(([name]) => name)).toEqual(['sluice-a', 'sluice-b']);
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['db', 'sluice-a', 'sluice-b', 'lb']),
    );
  });

  it('starts each as the image runs it, on the shared database', () => {
    for (const [name, service] of sluices) {
      const command = loadConfig({
        argv: [],
        env: { ...imageEnv(), ...service.environment },
        readFile: () => {
          throw Object.assign(new Error('missing'), { code: 'ENOENT' });
        },
      });
      if (command.kind !== 'run') throw new Error(`${name}: expected run`);
      expect(command.config.database, name).toEqual({
        engine: 'postgres',
        url: 'postgres://sluice:secret@db:5432/mail',
        tenant: null,
      });
      expect(command.config.web.allowedHosts, name).toEqual(['mail.ci.example.com']);
    }
  });

  it('checks readiness with a Host name every instance serves', () => {
    const haproxy = block('haproxy');
    const check = /http-check send meth GET uri (\S+) ver HTTP\/1\.1 hdr Host (\S+)/.exec(haproxy);
    expect(check).not.toBeNull();
    expect(PROBE_PATHS.has(check![1]!)).toBe(true);
    // Always among the names served (src/app.ts hostNames).
    expect(check![2]).toBe('localhost');
  });
});
