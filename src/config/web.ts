import { resolve } from 'node:path';
import { ConfigError, describeOption } from './errors.js';
import { parseHtpasswd, parseInlineUsers, parseTokens, type StoredPassword } from './htpasswd.js';
import { parseBoolean } from './values.js';

export type { PasswordScheme, StoredPassword } from './htpasswd.js';

/** Who may use the HTTP side. `off`: everyone who reaches the port may do everything. */
export type WebAuth =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'on';
      readonly users: ReadonlyMap<string, StoredPassword>;
      /** Name → bearer token. The name is recorded as who acted. */
      readonly tokens: ReadonlyMap<string, string>;
      /** Names with the releaser role; everyone else signed in is a reader. */
      readonly releasers: ReadonlySet<string> | 'everyone';
    };

export interface WebConfig {
  /** Where the inbox, API and events live: `/`, or `/mail/` behind a reverse proxy. */
  readonly basePath: string;
  /** Host names served besides the built-in ones (see src/web/guards/host.ts). */
  readonly allowedHosts: readonly string[];
  /** HTTPS on the HTTP listener; null = plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly auth: WebAuth;
  /** The operator accepted serving a non-loopback address without authentication. */
  readonly insecureNoAuth: boolean;
}

/** The accessors loadConfig gives to the readers of one part of the configuration. */
export interface SettingReader {
  setting<T>(name: string, parse: (text: string) => T): T;
  optional<T>(name: string, parse: (text: string) => T): T | null;
  /** A file named by a setting; the error names the path, never the content. */
  file(path: string): string;
}

export function readWebConfig(read: SettingReader): WebConfig {
  const certFile = read.optional('http-tls-cert', (p) => resolve(p));
  const keyFile = read.optional('http-tls-key', (p) => resolve(p));
  if ((certFile === null) !== (keyFile === null)) {
    throw new ConfigError(
      `${describeOption(certFile ? 'http-tls-key' : 'http-tls-cert')} must be set too: a certificate and its key go together`,
    );
  }
  return {
    basePath: read.setting('http-base-path', parseBasePath),
    allowedHosts: read.optional('http-allowed-hosts', parseHostList) ?? [],
    tls: certFile && keyFile ? { certFile, keyFile } : null,
    auth: readAuth(read),
    insecureNoAuth: read.setting('http-insecure-no-auth', parseBoolean),
  };
}

function readAuth(read: SettingReader): WebAuth {
  const fileUsers = read.optional('http-auth-file', (path) => parseHtpasswd(read.file(path)));
  const inlineUsers = read.optional('http-auth', parseInlineUsers);
  const fileTokens = read.optional('http-tokens-file', (path) =>
    parseTokens(read.file(path), 'file'),
  );
  const inlineTokens = read.optional('http-tokens', (text) => parseTokens(text, 'inline'));
  const users = new Map([...(fileUsers ?? []), ...(inlineUsers ?? [])]);
  const tokens = new Map([...(fileTokens ?? []), ...(inlineTokens ?? [])]);
  const releasers = read.optional('http-releasers', parseNameList);
  if (users.size === 0 && tokens.size === 0) {
    if (releasers) {
      throw new ConfigError(
        `${describeOption('http-releasers')} names releasers, but no one signs in: add ${describeOption('http-auth-file')} or ${describeOption('http-tokens-file')}`,
      );
    }
    return { mode: 'off' };
  }
  if (new Set(tokens.values()).size < tokens.size)
    throw new ConfigError(`${describeOption('http-tokens')}: the same token is given twice`);
  if (releasers && !releasers.includes('*')) {
    const unknown = releasers.filter((name) => !users.has(name) && !tokens.has(name));
    if (unknown.length > 0) {
      throw new ConfigError(
        `${describeOption('http-releasers')}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} neither a user nor a token name`,
      );
    }
  }
  return {
    mode: 'on',
    users,
    tokens,
    releasers: releasers?.includes('*') ? 'everyone' : new Set(releasers ?? []),
  };
}

/** `/mail`, `mail/` or `/mail/` → `/mail/`; `/` stays. */
export function parseBasePath(text: string): string {
  const path = `/${text.trim()}/`.replace(/\/{2,}/g, '/');
  if (!/^\/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*\/)*$/.test(path))
    throw new Error('expected a path such as /mail/ (letters, digits, . _ ~ -, no ..)');
  return path;
}

function parseNameList(text: string): string[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error('expected one or more names, comma-separated, or *');
  return names;
}

/** Host names, lower-cased; `*.example.com` allows every name under example.com. */
function parseHostList(text: string): string[] {
  return parseNameList(text).map((name) => {
    const host = name.toLowerCase();
    if (!/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host))
      throw new Error(`"${name}" is not a host name (a port is not part of it)`);
    return host;
  });
}
