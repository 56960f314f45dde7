import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/config/config.js';
import { runSluice } from '../helpers/process.js';

// The relay section of the config file and SLUICE_RELAY_URL, parsed into a frozen union.

function load(
  yaml: string | null,
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): Config {
  const all: Record<string, string> = {
    ...files,
    ...(yaml === null ? {} : { '/etc/sluice.yaml': yaml }),
  };
  const command = loadConfig({
    argv: yaml === null ? [] : ['--config', '/etc/sluice.yaml'],
    env: { HOME: '/home/dev', ...env },
    readFile: (path) => {
      if (!(path in all)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return all[path]!;
    },
  });
  if (command.kind !== 'run') throw new Error('expected run');
  return command.config;
}

function failure(
  yaml: string | null,
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): string {
  try {
    load(yaml, env, files);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

function relayOf(config: Config) {
  if (config.relay.mode !== 'on') throw new Error('expected relay on');
  return config.relay;
}

describe('relay config', () => {
  it('is off unless configured', () => {
    expect(load(null).relay).toEqual({ mode: 'off' });
    expect(load('max-messages: 5\n').relay).toEqual({ mode: 'off' });
  });

  it('reads upstreams, presets and ordered rules, frozen', () => {
    const relay = relayOf(
      load(
        `relay:
  upstreams:
    - name: ses
      preset: ses
      region: eu-west-1
      user: AKIAEXAMPLE
      password_env: SES_PASSWORD
      rate_limit: 14
    - name: gmail
      preset: gmail
      auth: login
      user: me@gmail.com
      password_file: /run/secrets/gmail
      from: Staging <staging@example.com>
      envelope_from: bounces@example.com
      ehlo_name: staging.example.com
  rules:
    - name: staff
      match: { recipient: "*@ourcompany.com" }
      action: relay
    - match: { subject: "/^\\\\[urgent\\\\]/i", header: { name: X-Env, value: staging } }
      action: hold
      upstream: gmail
    - match: { sender: "noreply@*" }
      rewrite: qa@ourcompany.com
  retry: { initial: 5s, max: 10m, max_age: 2d }
`,
        { SES_PASSWORD: 'ses-secret' },
        { '/run/secrets/gmail': 'app-password\n' },
      ),
    );
    expect(relay.upstreams[0]).toMatchObject({
      name: 'ses',
      host: 'email-smtp.eu-west-1.amazonaws.com',
      port: 587,
      tls: 'starttls',
      insecure: false,
      auth: { method: 'plain', user: 'AKIAEXAMPLE', password: 'ses-secret' },
      rateLimit: 14,
      maxConnections: 2,
    });
    expect(relay.upstreams[1]).toMatchObject({
      host: 'smtp.gmail.com',
      port: 465,
      tls: 'tls',
      auth: { method: 'login', user: 'me@gmail.com', password: 'app-password' },
      from: 'Staging <staging@example.com>',
      envelopeFrom: 'bounces@example.com',
      ehloName: 'staging.example.com',
    });
    expect(relay.rules.map((r) => [r.name, r.action, r.upstream, r.rewrite])).toEqual([
      ['staff', 'relay', 'ses', null],
      ['rule 2', 'hold', 'gmail', null],
      ['rule 3', 'capture', 'ses', 'qa@ourcompany.com'],
    ]);
    expect(relay.retry).toEqual({ initialMs: 5000, maxMs: 600_000, maxAgeMs: 172_800_000 });
    expect(Object.isFrozen(relay.upstreams[0])).toBe(true);
    expect(Object.isFrozen(relay.rules)).toBe(true);
  });

  it('reads XOAUTH2 with its secrets from env and a file', () => {
    const relay = relayOf(
      load(
        `relay:
  upstreams:
    - name: gmail
      preset: gmail
      auth: xoauth2
      user: me@gmail.com
      client_id: id.apps.googleusercontent.com
      client_secret_env: GMAIL_SECRET
      refresh_token_file: /run/refresh
`,
        { GMAIL_SECRET: 's3cret' },
        { '/run/refresh': 'r3fresh\n' },
      ),
    );
    expect(relay.upstreams[0]!.auth).toEqual({
      method: 'xoauth2',
      user: 'me@gmail.com',
      clientId: 'id.apps.googleusercontent.com',
      clientSecret: 's3cret',
      refreshToken: 'r3fresh',
      accessUrl: null,
    });
    expect(
      failure(
        'relay:\n  upstreams:\n    - { name: g, host: h, auth: xoauth2, user: u, client_id: c, client_secret_env: S }\n',
        { S: 'x' },
      ),
    ).toMatch(/relay\.upstreams\[0\]: auth xoauth2 needs refresh_token_file or refresh_token_env/);
  });

  it('defaults retries to 30 s doubling up to 1 h, for 24 h', () => {
    const relay = relayOf(load(null, { SLUICE_RELAY_URL: 'smtp://mail.example.com' }));
    expect(relay.retry).toEqual({ initialMs: 30_000, maxMs: 3_600_000, maxAgeMs: 86_400_000 });
  });
});

describe('SLUICE_RELAY_URL', () => {
  it('smtps://user:pass@host:465 is implicit TLS with AUTH', () => {
    const [upstream] = relayOf(
      load(null, { SLUICE_RELAY_URL: 'smtps://me%40example.com:p%3Ass@smtp.example.com:465' }),
    ).upstreams;
    expect(upstream).toMatchObject({
      name: 'default',
      host: 'smtp.example.com',
      port: 465,
      tls: 'tls',
      auth: { method: 'plain', user: 'me@example.com', password: 'p:ss' },
    });
  });

  it.each([
    ['smtp://host.example:587?starttls=required', 'starttls', 587],
    ['smtp://host.example', 'starttls', 587],
    ['smtp://host.example:25?starttls=opportunistic', 'opportunistic', 25],
    ['smtp://host.example:1025?starttls=none', 'none', 1025],
  ])('%s', (url, tls, port) => {
    expect(relayOf(load(null, { SLUICE_RELAY_URL: url })).upstreams[0]).toMatchObject({
      tls,
      port,
    });
  });

  it('joins the upstreams of the config file, first', () => {
    const relay = relayOf(
      load('relay:\n  upstreams:\n    - { name: other, host: mx.example }\n', {
        SLUICE_RELAY_URL: 'smtp://a.example',
      }),
    );
    expect(relay.upstreams.map((u) => u.name)).toEqual(['default', 'other']);
  });

  it.each([
    ['http://example.com', /SLUICE_RELAY_URL: the scheme must be smtp or smtps/],
    ['not a url', /SLUICE_RELAY_URL: not a URL/],
    [
      'smtp://h.example?starttls=maybe',
      /starttls=maybe is not one of required, opportunistic, none/,
    ],
    // Names on Object.prototype are not modes.
    ['smtp://h.example?starttls=toString', /starttls=toString is not one of required/],
    ['smtp://h.example?starttls=constructor', /starttls=constructor is not one of required/],
    ['smtp://me:50%ZZoff@h.example', /SLUICE_RELAY_URL: the password has a bad %-escape/],
    ['smtp://m%ZZe:secret@h.example', /SLUICE_RELAY_URL: the user name has a bad %-escape/],
  ])('refuses %s', (url, message) => {
    expect(failure(null, { SLUICE_RELAY_URL: url })).toMatch(message);
  });

  // The URL holds the upstream's password: an error says which part is wrong, never the value.
  const PASSWORD = 'Relay-Pw-9371';
  const leakyUrls = [
    `smtp://me:${PASSWORD}@h.example:99999`,
    `smtpx://me:${PASSWORD}@h.example`,
    `smtp://me:${PASSWORD}%ZZ@h.example`,
    `smtp://me:${PASSWORD}@h.example?starttls=maybe`,
    `smtp://me:${PASSWORD}@`,
    // A password with "?" in it, not %-escaped: its tail lands in the query.
    `smtp://me:123?starttls=${PASSWORD}@h.example`,
  ];

  it.each(leakyUrls)('never shows the password of %s', (url) => {
    const message = failure(null, { SLUICE_RELAY_URL: url });
    expect(message).toMatch(/^SLUICE_RELAY_URL: /);
    expect(message).not.toContain(PASSWORD);
  });

  it('the built CLI shows no password either', async () => {
    for (const url of leakyUrls) {
      const result = await runSluice(['--db', ':memory:'], { SLUICE_RELAY_URL: url });
      expect(result.code, url).toBe(2);
      expect(result.stderr, url).toContain('SLUICE_RELAY_URL');
      expect(result.stderr + result.stdout, url).not.toContain(PASSWORD);
    }
  });
});

describe('errors name the setting and what is allowed', () => {
  const one = (fields: string) => `relay:\n  upstreams:\n    - { name: up, ${fields} }\n`;

  it.each([
    [
      one('host: h, tls: ssl'),
      /relay\.upstreams\[0\]\.tls: .*"tls".*"starttls".*"opportunistic".*"none"/,
    ],
    [one('host: h, port: 70000'), /relay\.upstreams\[0\]\.port/],
    [one('preset: ses'), /relay\.upstreams\[0\]\.region: the ses preset needs a region/],
    [one('port: 25'), /relay\.upstreams\[0\]\.host: required/],
    [
      one('host: h, user: u'),
      /relay\.upstreams\[0\]: auth plain needs password_file or password_env/,
    ],
    [
      one('host: h, user: u, password_env: NOPE'),
      /password_env: the environment variable NOPE is not set/,
    ],
    [one('host: h, user: u, password_file: /nope'), /password_file: cannot read \/nope: ENOENT/],
    [one('host: h, password: hunter2'), /relay\.upstreams\[0\]: Unrecognized key.*password/],
    [one('host: h, ca_file: /nope.pem'), /relay\.upstreams\[0\]\.ca_file: cannot read/],
    ['relay:\n  upstreams: []\n', /relay\.upstreams: at least one upstream/],
    [
      'relay:\n  upstreams: [{ name: a, host: h }]\n  rules: [{ match: { recipient: "/(/" } }]\n',
      /relay\.rules\[0\]\.match\.recipient: is not a valid \/regular expression\//,
    ],
    [
      'relay:\n  upstreams: [{ name: a, host: h }]\n  rules: [{ action: send }]\n',
      /relay\.rules\[0\]\.action: .*"relay".*"hold".*"capture"/,
    ],
    [
      'relay:\n  upstreams: [{ name: a, host: h }]\n  rules: [{ action: relay, upstream: b }]\n',
      /relay\.rules\[0\]\.upstream: no upstream named "b"; known: a/,
    ],
    [
      'relay:\n  upstreams: [{ name: a, host: h }, { name: a, host: i }]\n',
      /the name "a" is used twice/,
    ],
    [
      'relay:\n  upstreams: [{ name: a, host: h }]\n  retry: { initial: soon }\n',
      /relay\.retry\.initial: expected a duration/,
    ],
  ])('%s', (yaml, message) => {
    expect(failure(yaml)).toMatch(message);
  });
});

describe('the README example', () => {
  it('is a valid config', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const yaml = /## Relay[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const relay = relayOf(
      load(
        yaml,
        { SES_SMTP_PASSWORD: 'x' },
        {
          '/etc/ssl/company-ca.pem': 'PEM',
          '/run/secrets/smtp-password': 'y',
        },
      ),
    );
    expect(relay.upstreams.map((u) => u.name)).toEqual(['ses', 'company']);
    expect(relay.rules.map((r) => r.action)).toEqual(['relay', 'relay', 'hold', 'capture']);
  });
});
