import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, bearer, writeHtpasswd } from '../helpers/auth.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { tempDir } from '../relay/support.js';

// Guessing is slowed per client address; people already signed in are not locked out.

const TOKEN = 'tk0123456789abcdef0123456789abcdef01234567';
const dir = tempDir();
let sluice: TestSluice;

beforeAll(async () => {
  const users = writeHtpasswd(dir.path, [
    { name: 'alice', password: 'alice-pw', scheme: 'bcrypt' },
    { name: 'carol', password: 'carol-pw', scheme: 'bcrypt' },
  ]);
  sluice = await startSluice(['--http-auth-file', users, '--http-tokens', `ci:${TOKEN}`]);
});
afterAll(async () => {
  await sluice.close();
  dir.remove();
});

const status = async (headers: Record<string, string>) =>
  (await sluice.api('/api/messages', { headers })).status;

describe('repeated wrong passwords', () => {
  it('answer 429 with Retry-After, while signed-in people and valid tokens go on', async () => {
    expect(await status(basic('alice', 'alice-pw'))).toBe(200);
    let throttled: Response | undefined;
    const answers: number[] = [];
    // Five free failures, then a wait that doubles: a 429 comes well within twelve tries.
    for (let attempt = 0; attempt < 12 && !throttled; attempt++) {
      const response = await sluice.api('/api/messages', {
        headers: basic('alice', `guess-${attempt}`),
      });
      answers.push(response.status);
      if (response.status === 429) throttled = response;
    }
    expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(throttled?.status).toBe(429);
    expect(Number(throttled!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await throttled!.json()) as { error: { code: string } }).error.code).toBe(
      'too_many_failures',
    );
    // Guessing more, even a right password not yet checked, waits too.
    expect(await status(basic('carol', 'carol-pw'))).toBe(429);
    expect(await status(bearer('not-the-token-0123456789'))).toBe(429);
    // Alice's browser is signed in (its check is remembered) and a valid token is valid.
    expect(await status(basic('alice', 'alice-pw'))).toBe(200);
    expect(await status(bearer(TOKEN))).toBe(200);
  });
});
