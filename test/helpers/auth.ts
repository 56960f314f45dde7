import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How Apache's htpasswd stores a password: -B bcrypt, -m $apr1$, -s {SHA}, -p plain. */
export type HtpasswdScheme = 'bcrypt' | 'apr1' | 'sha1' | 'plain';
const FLAG: Record<HtpasswdScheme, string> = { bcrypt: '-B', apr1: '-m', sha1: '-s', plain: '-p' };

export interface TestUser {
  readonly name: string;
  readonly password: string;
  readonly scheme: HtpasswdScheme;
}

/**
 * Writes a users file with the real `htpasswd` (Debian's apache2-utils), as an operator
 * would, and returns its path. bcrypt at cost 5 (htpasswd's default) keeps tests quick.
 */
export function writeHtpasswd(dir: string, users: readonly TestUser[]): string {
  const lines = users.map((user) =>
    execFileSync('htpasswd', ['-nb', FLAG[user.scheme], user.name, user.password], {
      encoding: 'utf8',
      // -p warns that plain text "might not work on this platform"; Sluice reads it.
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim(),
  );
  const file = join(dir, 'users.htpasswd');
  writeFileSync(file, `# users of the test inbox\n${lines.join('\n')}\n`);
  return file;
}

export const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
