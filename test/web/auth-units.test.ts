import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseHtpasswd, parseTokens, passwordScheme } from '../../src/config/htpasswd.js';
import { parseAuthorization } from '../../src/web/auth/authenticate.js';
import { CheckQueue } from '../../src/web/auth/check-queue.js';
import { CredentialCache } from '../../src/web/auth/credential-cache.js';
import { md5Crypt } from '../../src/web/auth/md5-crypt.js';
import { checkPassword } from '../../src/web/auth/passwords.js';
import { FailureThrottle } from '../../src/web/auth/throttle.js';

const htpasswd = (flag: string, password: string) =>
  execFileSync('htpasswd', ['-nb', flag, 'u', password], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .trim()
    .slice(2);

describe('stored passwords, as Apache htpasswd and OpenSSL write them', () => {
  it.each([
    ['-B', 'bcrypt'],
    ['-m', 'apr1'],
    ['-s', 'sha1'],
    ['-p', 'plain'],
  ])('htpasswd %s is %s, and only the right password matches', async (flag, scheme) => {
    for (const password of ['pw', 'ünïcødé and spaces', 'a'.repeat(60)]) {
      const hash = htpasswd(flag, password);
      expect(passwordScheme(hash)).toBe(scheme);
      expect(await checkPassword({ scheme: passwordScheme(hash) as 'plain', hash }, password)).toBe(
        true,
      );
      expect(
        await checkPassword({ scheme: passwordScheme(hash) as 'plain', hash }, `${password}x`),
      ).toBe(false);
    }
  });

  it('MD5-crypt ($1$) matches OpenSSL', () => {
    const hash = execFileSync('openssl', ['passwd', '-1', '-salt', 'saltsalt', 'secret'], {
      encoding: 'utf8',
    }).trim();
    expect(md5Crypt('secret', '$1$', 'saltsalt')).toBe(hash);
    expect(passwordScheme(hash)).toBe('md5-crypt');
  });

  it('refuses schemes it cannot check, naming the line and user but never the hash', () => {
    const sha512 = execFileSync('openssl', ['passwd', '-6', '-salt', 'saltsalt', 'secret'], {
      encoding: 'utf8',
    }).trim();
    for (const hash of [sha512, '{SSHA}c2VjcmV0c2VjcmV0c2VjcmV0', '$5$abc$def']) {
      let message = '';
      try {
        parseHtpasswd(`# users\nok:plain-pw\nzoe:${hash}\n`);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^line 3 \(zoe\) uses a hash scheme Sluice cannot check/);
      expect(message).not.toContain(hash);
    }
  });

  it('names the line of a malformed entry without its text', () => {
    expect(() => parseHtpasswd('alice:plain-pw\nno-colon-secret\n')).toThrow(
      /^line 2 is not USER:HASH$/,
    );
    expect(() => parseTokens('ci:short', 'inline')).toThrow(
      /^entry 1 \(ci\): the token is shorter than 16 characters; make one with: openssl rand -hex 24$/,
    );
    expect(() => parseTokens('ci:has space in it 0123456789', 'inline')).toThrow(
      /^entry 1 \(ci\): a token may hold/,
    );
    expect(() => parseTokens('a:0123456789abcdef\nb:0123456789abcdef', 'file')).toThrow(
      /^line 2 \(b\): the same token is given twice$/,
    );
  });
});

describe('Authorization headers', () => {
  it.each([
    [
      'Basic ' + Buffer.from('alice:pa:ss').toString('base64'),
      { via: 'basic', user: 'alice', password: 'pa:ss' },
    ],
    [
      'basic ' + Buffer.from('ünï:pw').toString('base64'),
      { via: 'basic', user: 'ünï', password: 'pw' },
    ],
    ['Bearer abc.DEF-123_~+/=', { via: 'bearer', token: 'abc.DEF-123_~+/=' }],
    ['Basic ' + Buffer.from('no-colon').toString('base64'), null],
    ['Basic ' + Buffer.from(':pw').toString('base64'), null],
    ['Digest username="x"', null],
    ['Bearer', null],
    ['', null],
  ])('%j', (header, expected) => {
    expect(parseAuthorization(header)).toEqual(expected);
  });
});

describe('the cache of successful sign-ins', () => {
  it('remembers for ten minutes, and at most 1,024 at once, forgetting the oldest', () => {
    const cache = new CredentialCache();
    const first = cache.keyOf('alice', 'pw');
    expect(first).not.toContain('pw');
    expect(cache.keyOf('alice', 'pw')).toBe(first);
    expect(cache.keyOf('alic', 'epw')).not.toBe(first);
    cache.add(first, 0);
    expect(cache.has(first, 599_999)).toBe(true);
    expect(cache.has(first, 600_000)).toBe(false);
    for (let i = 0; i <= 1024; i++) cache.add(cache.keyOf(`user${i}`, 'pw'), 1);
    expect(cache.has(cache.keyOf('user0', 'pw'), 2)).toBe(false);
    expect(cache.has(cache.keyOf('user1024', 'pw'), 2)).toBe(true);
  });
});

describe('the failure throttle', () => {
  it('lets five failures through, then waits 1 s, 2 s, 4 s … up to a minute', () => {
    const throttle = new FailureThrottle();
    for (let i = 0; i < 4; i++) throttle.failed('a', 0);
    expect(throttle.waitFor('a', 0)).toBe(0);
    const waits = [];
    for (let i = 0; i < 9; i++) {
      throttle.failed('a', 0);
      waits.push(throttle.waitFor('a', 0));
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(throttle.waitFor('b', 0)).toBe(0);
    throttle.succeeded('a');
    expect(throttle.waitFor('a', 0)).toBe(0);
  });

  it('forgets a client quiet for 15 minutes, and keeps at most 10,000', () => {
    const throttle = new FailureThrottle();
    for (let i = 0; i < 8; i++) throttle.failed('a', 0);
    expect(throttle.waitFor('a', 1000)).toBeGreaterThan(0);
    expect(throttle.waitFor('a', 15 * 60_000 + 1)).toBe(0);
    for (let i = 0; i < 8; i++) throttle.failed('old', 0);
    for (let i = 0; i < 10_000; i++) throttle.failed(`client${i}`, 1);
    expect(throttle.waitFor('old', 2)).toBe(0);
  });
});

describe('the queue of password checks', () => {
  it('runs one check for requests with the same credentials at once', async () => {
    const queue = new CheckQueue();
    let runs = 0;
    const check = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return true;
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => queue.run('k', check)));
    expect(results).toEqual(Array(10).fill(true));
    expect(runs).toBe(1);
  });

  it('runs four at a time, lets 64 wait, and refuses the rest until one finishes', async () => {
    const queue = new CheckQueue();
    const finish: (() => void)[] = [];
    let started = 0;
    const check = () =>
      new Promise<boolean>((resolve) => {
        started++;
        finish.push(() => resolve(false));
      });
    const accepted = Array.from({ length: 68 }, (_, i) => queue.run(`k${i}`, check));
    expect(accepted.every((p) => p !== null)).toBe(true);
    await Promise.resolve();
    expect(started).toBe(4);
    expect(queue.run('one more', check)).toBeNull();
    finish.shift()!();
    await accepted[0];
    await expect.poll(() => started).toBe(5);
    expect(queue.run('now there is room', check)).not.toBeNull();
  });
});
