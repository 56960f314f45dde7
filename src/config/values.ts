/** Parsers for option values. Each throws a plain message; the caller adds the option's name. */

export interface Listen {
  readonly host: string;
  readonly port: number;
}

export function parseListen(text: string): Listen {
  // "[::1]:1025", "0.0.0.0:1025", "localhost:0", or ":1025" for every interface.
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535) {
    throw new Error('expected HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:1025');
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

/** A listener that is on by default: HOST:PORT, or "off" (or empty) for none. */
export function parseOptionalListen(text: string): Listen | null {
  if (/^(off|)$/i.test(text.trim())) return null;
  try {
    return parseListen(text);
  } catch {
    throw new Error('expected HOST:PORT with a port from 0 to 65535, or off');
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?b?)$/i.exec(text.trim());
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase().replace(/^([kmg])$/, '$1b') ?? 'x'];
  if (!match || unit === undefined)
    throw new Error('expected a size such as 50MB, 512KB or 1048576');
  return Math.round(Number(match[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Duration in milliseconds. A bare number is seconds, except 0. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!match) throw new Error('expected a duration such as 30s, 15m, 12h or 7d');
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 's']!);
}

export function parseCount(text: string): number {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new Error('expected a whole number (0 or more)');
  }
  return value;
}

export function parseBoolean(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new Error('expected true or false');
}

export function parseOneOf<T extends string>(allowed: readonly T[]) {
  return (text: string): T => {
    const value = text.trim().toLowerCase();
    if (!(allowed as readonly string[]).includes(value)) {
      throw new Error(`expected one of ${allowed.join(', ')}`);
    }
    return value as T;
  };
}

/**
 * "user:pass,user2:pass2" inline, or one pair per line in a file. Passwords may contain ':'.
 * An error names the entry or line, never its text: it may hold a password.
 */
export function parseCredentials(text: string, from: 'inline' | 'file'): Map<string, string> {
  const users = new Map<string, string>();
  const unit = from === 'file' ? 'line' : 'entry';
  for (const [index, raw] of text.split(from === 'file' ? /\r?\n/ : ',').entries()) {
    const entry = raw.trim();
    if (!entry || entry.startsWith('#')) continue;
    const colon = entry.indexOf(':');
    if (colon < 1) throw new Error(`${unit} ${index + 1} is not USER:PASSWORD`);
    users.set(entry.slice(0, colon), entry.slice(colon + 1));
  }
  if (users.size === 0) throw new Error('expected at least one USER:PASSWORD');
  return users;
}
