import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';

// README's "Running it for a team" is a setup people copy: its files must load as written.

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Running it for a team (staging)'));
const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README: running it for a team', () => {
  it('has a Compose file and a config file', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const compose = parse(blocks[0]!) as { services: { sluice: { environment: object } } };
    expect(compose.services.sluice.environment).toHaveProperty('SLUICE_CONFIG');
  });

  it('its config file starts Sluice on 0.0.0.0 with sign-in, releasers and release_to', () => {
    const files: Record<string, string> = {
      '/etc/sluice/sluice.yaml': blocks[1]!,
      '/etc/sluice/users.htpasswd': 'alice:$apr1$8oH8DMzA$xXvMd84lE.3b6wm6xsb8E/\nbob:plain-pw\n',
      '/etc/sluice/tokens': 'ci-bot:0123456789abcdef0123456789abcdef\n',
      '/etc/sluice/smtp-users': 'app:app-password\n',
    };
    const command = loadConfig({
      argv: [],
      // As the image sets them, plus the Compose file's environment.
      env: {
        SLUICE_SMTP: '0.0.0.0:1025',
        SLUICE_HTTP: '0.0.0.0:8025',
        SLUICE_DB: '/data/sluice.db',
        SLUICE_CONFIG: '/etc/sluice/sluice.yaml',
        SES_SMTP_PASSWORD: 'from-the-host',
      },
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
        return text;
      },
    });
    if (command.kind !== 'run') throw new Error('expected run');
    const { web, relay, smtpAuth } = command.config;
    expect(web.auth.mode).toBe('on');
    if (web.auth.mode !== 'on' || relay.mode !== 'on')
      throw new Error('expected sign-in and relay');
    expect([...web.auth.users.keys()]).toEqual(['alice', 'bob']);
    expect(web.auth.releasers).toEqual(new Set(['alice', 'ci-bot']));
    expect(web.allowedHosts).toEqual(['mail.staging.example.com']);
    expect(relay.releaseTo).toEqual(['*@ourcompany.com']);
    expect(relay.rules.map((r) => [r.name, r.action])).toEqual([
      ['staff', 'relay'],
      ['customers', 'capture'],
    ]);
    expect(smtpAuth.mode).toBe('required');
  });
});
