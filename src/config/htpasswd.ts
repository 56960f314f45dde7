/**
 * Users and tokens for the HTTP side, as read from files and settings. Each parser throws a
 * plain message that names a line or an entry, never its content: these hold secrets.
 */

/** How a password is stored; src/web/auth/passwords.ts checks each kind. */
export type PasswordScheme = 'bcrypt' | 'apr1' | 'md5-crypt' | 'sha1' | 'plain';

export interface StoredPassword {
  readonly scheme: PasswordScheme;
  /** The hash as written in the file (for `plain`, the password itself). */
  readonly hash: string;
}

/** What Apache's htpasswd writes (-B, -m, -s, -p), and the MD5-crypt that older tools wrote. */
export function passwordScheme(hash: string): PasswordScheme | 'unsupported' {
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^\$apr1\$[^$]{0,8}\$[./A-Za-z0-9]{22}$/.test(hash)) return 'apr1';
  if (/^\$1\$[^$]{0,8}\$[./A-Za-z0-9]{22}$/.test(hash)) return 'md5-crypt';
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash)) return 'sha1';
  // Anything else that looks like a crypt hash is a scheme we do not check; refusing it beats
  // treating the hash text as a plain password that nobody could type.
  if (/^\$|^\{[A-Z0-9-]+\}/.test(hash)) return 'unsupported';
  return 'plain';
}

const USER_NAME = /^[^\s:]{1,128}$/;

/** An htpasswd file: `user:hash` per line; `#` comments and blank lines are skipped. */
export function parseHtpasswd(text: string): Map<string, StoredPassword> {
  const users = new Map<string, StoredPassword>();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon < 1 || !USER_NAME.test(user) || !hash)
      throw new Error(`line ${index + 1} is not USER:HASH`);
    const scheme = passwordScheme(hash);
    if (scheme === 'unsupported') {
      throw new Error(
        `line ${index + 1} (${user}) uses a hash scheme Sluice cannot check; use bcrypt (htpasswd -B), $apr1$ (-m), {SHA} (-s) or a plain password`,
      );
    }
    users.set(user, { scheme, hash });
  }
  if (users.size === 0) throw new Error('no USER:HASH lines');
  return users;
}

/** `user:pass,user2:pass2`: plain passwords given inline. Passwords may contain ':'. */
export function parseInlineUsers(text: string): Map<string, StoredPassword> {
  const users = new Map<string, StoredPassword>();
  for (const [index, raw] of text.split(',').entries()) {
    const entry = raw.trim();
    if (!entry) continue;
    const colon = entry.indexOf(':');
    const user = entry.slice(0, colon);
    if (colon < 1 || !USER_NAME.test(user) || colon === entry.length - 1)
      throw new Error(`entry ${index + 1} is not USER:PASSWORD`);
    users.set(user, { scheme: 'plain', hash: entry.slice(colon + 1) });
  }
  if (users.size === 0) throw new Error('expected at least one USER:PASSWORD');
  return users;
}

/** RFC 6750's b64token: what fits in `Authorization: Bearer …` without quoting. */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
export const MIN_TOKEN_LENGTH = 16;

/** `NAME:TOKEN` entries: one per line in a file, comma-separated inline. */
export function parseTokens(text: string, from: 'file' | 'inline'): Map<string, string> {
  const unit = from === 'file' ? 'line' : 'entry';
  const tokens = new Map<string, string>();
  const seen = new Set<string>();
  for (const [index, raw] of text.split(from === 'file' ? /\r?\n/ : ',').entries()) {
    const entry = raw.trim();
    if (!entry || entry.startsWith('#')) continue;
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon);
    const token = entry.slice(colon + 1);
    const where = `${unit} ${index + 1}`;
    if (colon < 1 || !USER_NAME.test(name)) throw new Error(`${where} is not NAME:TOKEN`);
    if (!TOKEN.test(token))
      throw new Error(`${where} (${name}): a token may hold letters, digits and - . _ ~ + / =`);
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new Error(
        `${where} (${name}): the token is shorter than ${MIN_TOKEN_LENGTH} characters; make one with: openssl rand -hex 24`,
      );
    }
    if (seen.has(token)) throw new Error(`${where} (${name}): the same token is given twice`);
    seen.add(token);
    tokens.set(name, token);
  }
  if (tokens.size === 0) throw new Error('expected at least one NAME:TOKEN');
  return tokens;
}
