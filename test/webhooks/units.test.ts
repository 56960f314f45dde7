import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/config/config.js';
import { isPrivateAddress } from '../../src/webhooks/address-guard.js';
import { signatureHeader, verifySignature } from '../../src/webhooks/signature.js';

describe('the SSRF guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true], // cloud metadata
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd12:3456::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['64:ff9b::a9fe:a9fe', true], // NAT64 of 169.254.169.254
    ['not an address', true],
    ['93.184.215.14', false],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2606:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s is private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('the signature', () => {
  const body = JSON.stringify({ id: 1, subject: 'Hello' });
  const now = 1_765_000_000;

  it('is HMAC-SHA256 over "timestamp.body", and a receiver verifies it', () => {
    const header = signatureHeader('s3cret', body, now);
    expect(header).toMatch(/^t=1765000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature({ secret: 's3cret', header, body, now })).toBe(true);
  });

  it('fails for another secret, another body, or an old timestamp', () => {
    const header = signatureHeader('s3cret', body, now);
    expect(verifySignature({ secret: 'other', header, body, now })).toBe(false);
    expect(verifySignature({ secret: 's3cret', header, body: body + ' ', now })).toBe(false);
    expect(verifySignature({ secret: 's3cret', header, body, now: now + 301 })).toBe(false);
    expect(verifySignature({ secret: 's3cret', header: 'v1=00', body, now })).toBe(false);
  });
});

function load(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
) {
  const command = loadConfig({
    argv,
    env,
    readFile: (path) => {
      if (!(path in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return files[path]!;
    },
  });
  if (command.kind !== 'run') throw new Error('expected run');
  return command.config as Config;
}

function failure(...args: Parameters<typeof load>): string {
  try {
    load(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('webhook configuration', () => {
  it('reads --webhook, its secret and filter from flags or env, and the webhooks: list', () => {
    const config = load(
      ['--config', 'c.yaml', '--webhook-filter', 'to:@example.com'],
      {
        SLUICE_WEBHOOK: 'https://hooks.example.com/a',
        SLUICE_WEBHOOK_SECRET: 'flag-secret',
        HOOK: 'env-secret',
      },
      {
        'c.yaml': [
          'webhooks:',
          '  - name: ci',
          '    url: https://ci.example.com/sluice',
          '    filter: subject:invoice',
          '    secret_env: HOOK',
          '    allow_private: true',
          '    retry: { initial: 1s, max: 1m, max_age: 1h }',
        ].join('\n'),
      },
    );
    expect(config.webhooks).toEqual([
      {
        name: 'webhook',
        url: 'https://hooks.example.com/a',
        filter: 'to:@example.com',
        secret: 'flag-secret',
        allowPrivate: false,
        retry: { initialMs: 5000, maxMs: 3_600_000, maxAgeMs: 259_200_000 },
      },
      {
        name: 'ci',
        url: 'https://ci.example.com/sluice',
        filter: 'subject:invoice',
        secret: 'env-secret',
        allowPrivate: true,
        retry: { initialMs: 1000, maxMs: 60_000, maxAgeMs: 3_600_000 },
      },
    ]);
    expect(
      load(['--webhook', 'http://x.example', '--webhook-allow-private']).webhooks[0]!.allowPrivate,
    ).toBe(true);
  });

  it('names the setting that is wrong, and never repeats a secret', () => {
    expect(failure(['--webhook', 'ftp://x.example'])).toMatch(/--webhook \(SLUICE_WEBHOOK\)/);
    expect(failure(['--webhook-secret', 'hunter2-secret'])).toBe(
      '--webhook-secret (SLUICE_WEBHOOK_SECRET) needs --webhook (SLUICE_WEBHOOK) too',
    );
    const yaml = (text: string) => failure(['--config', 'c.yaml'], {}, { 'c.yaml': text });
    expect(
      yaml('webhooks:\n  - name: a\n    url: https://a.example\n    secret: inline-value'),
    ).not.toContain('inline-value');
    expect(
      yaml('webhooks:\n  - name: a\n    url: https://a.example\n    secret: inline-value'),
    ).toMatch(/^webhooks\[0\]\.secret: secrets never go in the config file; use secret_env/);
    expect(yaml('webhooks:\n  - name: a\n    url: nope')).toMatch(/^webhooks\[0\]\.url: /);
    expect(
      yaml(
        'webhooks:\n  - name: a\n    url: https://a.example\n    filter: "' + 'x '.repeat(40) + '"',
      ),
    ).toMatch(/^webhooks\[0\]\.filter: is not a valid search/);
    expect(yaml('webhooks:\n  - name: a\n    url: https://a.example\n    secret_env: NOPE')).toBe(
      'webhooks[0].secret_env: the environment variable NOPE is not set',
    );
    expect(
      yaml(
        'webhooks:\n  - { name: a, url: "https://a.example" }\n  - { name: a, url: "https://b.example" }',
      ),
    ).toBe('webhooks: the name "a" is used twice');
    const message = failure(['--webhook', 'nope', '--webhook-secret', 'hunter2-secret']);
    expect(message).not.toContain('hunter2');
  });
});
