import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { basic, bearer, writeHtpasswd } from '../helpers/auth.js';
import { runSluice } from '../helpers/process.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { capture, tempDir } from '../relay/support.js';
import { SseClient } from './sse.js';

// Passwords and tokens never appear in a log line, an API response, a config error or the
// banner (the inbox is checked in test/browser/auth.test.ts). Each secret below is unique
// enough that finding it, or its base64, anywhere is a leak.

const FILE_PASSWORD = 'File-Secret-Pw-8842';
const INLINE_PASSWORD = 'Inline-Secret-Pw-5531';
const TOKEN = 'TokenSecret0123456789abcdefABCDEF';
const WRONG_PASSWORD = 'Wrong-Guess-Pw-7719';
const WRONG_TOKEN = 'WrongToken0123456789abcdefABCDEF';
const SECRETS = [FILE_PASSWORD, INLINE_PASSWORD, TOKEN, WRONG_PASSWORD, WRONG_TOKEN];

function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) {
    expect(text, `${where} shows a secret`).not.toContain(secret);
    for (const user of ['alice', 'erin', 'mallory'])
      expect(text, `${where} shows base64 credentials`).not.toContain(
        Buffer.from(`${user}:${secret}`).toString('base64'),
      );
  }
}

function configError(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
) {
  try {
    loadConfig({
      argv,
      env,
      readFile: (path) => {
        if (path in files) return files[path]!;
        throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      },
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config errors', () => {
  it.each([
    [['--http-auth', `alice:${INLINE_PASSWORD},bob`], 'entry 2 is not USER:PASSWORD'],
    [['--smtp-auth', `alice:${INLINE_PASSWORD},bob`], 'entry 2 is not USER:PASSWORD'],
    [['--http-tokens', `ci:${TOKEN.slice(0, 10)}`], 'shorter than 16 characters'],
    [['--http-tokens', `ci:${TOKEN} x`], 'a token may hold'],
    [['--http-tokens', `a:${TOKEN},b:${TOKEN}`], 'the same token is given twice'],
  ])('%j names the entry, never the secret', (argv, reason) => {
    const message = configError(argv);
    expect(message).toContain(reason);
    expect(message).toContain('(not shown: it holds secrets)');
    expectNoSecret(message, 'the error');
  });

  it('from the environment and from files as well', () => {
    const env = configError([], { SLUICE_HTTP_AUTH: `alice:${INLINE_PASSWORD},oops` });
    expect(env).toContain('SLUICE_HTTP_AUTH');
    expectNoSecret(env, 'the error');
    const files = {
      '/users': `alice:${FILE_PASSWORD}\nbroken ${FILE_PASSWORD}\n`,
      '/tokens': `ci:${TOKEN}\nno-colon-${TOKEN}\n`,
      '/unknown-scheme': `alice:{SSHA}${FILE_PASSWORD}\n`,
    };
    for (const [flag, path] of [
      ['--http-auth-file', '/users'],
      ['--http-tokens-file', '/tokens'],
      ['--http-auth-file', '/unknown-scheme'],
    ] as const) {
      const message = configError([flag, path], {}, files);
      expect(message).toMatch(/line \d/);
      expectNoSecret(message, `${flag} error`);
    }
  });

  it('the built CLI prints none either', async () => {
    const result = await runSluice(['--http-auth', `alice:${INLINE_PASSWORD},bob`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--http-auth (SLUICE_HTTP_AUTH)');
    expectNoSecret(result.stderr + result.stdout, 'the CLI');
  });
});

describe('a running server', () => {
  const dir = tempDir();
  const logLines: string[] = [];
  let sluice: TestSluice;
  beforeAll(async () => {
    const users = writeHtpasswd(dir.path, [
      { name: 'alice', password: FILE_PASSWORD, scheme: 'bcrypt' },
    ]);
    sluice = await startSluice(
      [
        '--http-auth-file',
        users,
        '--http-auth',
        `erin:${INLINE_PASSWORD}`,
        '--http-tokens',
        `ci:${TOKEN}`,
        '--log-level',
        'debug',
      ],
      { app: { logger: createLogger('debug', (line) => logLines.push(line)) } },
    );
  });
  afterAll(async () => {
    await sluice.close();
    dir.remove();
  });

  it('logs and answers nothing secret, whether sign-in works or fails', async () => {
    const id = await capture(sluice, ['someone@example.test']);
    const texts: string[] = [];
    const record = async (response: Response) => {
      texts.push(JSON.stringify([...response.headers]), await response.text());
    };
    const signedIn = [basic('alice', FILE_PASSWORD), basic('erin', INLINE_PASSWORD), bearer(TOKEN)];
    for (const headers of [...signedIn, {}]) {
      for (const path of [
        '/api/info',
        '/api/messages',
        `/api/messages/${id}`,
        '/api/relay/status',
        '/api/openapi.json',
        '/api/nowhere',
        '/',
      ])
        await record(await sluice.api(path, { headers }));
      await record(
        await sluice.api(`/api/messages/${id}/release`, {
          headers,
          json: { to: ['x@example.test'] },
        }),
      );
    }
    // Three wrong ones, fewer than the throttle lets through, so each is checked and logged.
    for (const headers of [
      basic('alice', WRONG_PASSWORD),
      basic('mallory', WRONG_PASSWORD),
      bearer(WRONG_TOKEN),
    ])
      await record(await sluice.api('/api/messages', { headers }));
    const events = await SseClient.connect(`${sluice.baseUrl}/api/events?after=0`, bearer(TOKEN));
    texts.push((await events.next('stored')).data);
    events.close();
    // Refusals are logged for the operator: the address and a known user's name, no more.
    const refusals = logLines.filter((line) => line.includes('sign-in refused'));
    expect(refusals.some((line) => line.includes('user=alice'))).toBe(true);
    expect(refusals.some((line) => line.includes('via=bearer'))).toBe(true);
    expect(refusals.every((line) => line.includes('client=127.0.0.1'))).toBe(true);
    expect(logLines.join('')).not.toContain('mallory');
    expectNoSecret(texts.join('\n'), 'a response');
    expectNoSecret(logLines.join(''), 'the log');
  });
});
