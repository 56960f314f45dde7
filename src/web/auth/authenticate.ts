import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { WebAuth } from '../../config/web.js';
import type { Logger } from '../../log/logger.js';
import { ApiError } from '../errors.js';
import { CheckQueue } from './check-queue.js';
import { CredentialCache } from './credential-cache.js';
import { checkPassword, decoyPassword, sameText } from './passwords.js';
import { ANONYMOUS, type Principal, type Role } from './principal.js';
import { FailureThrottle } from './throttle.js';

export interface AuthenticateOptions {
  readonly auth: WebAuth;
  /** Refused sign-ins are logged with the client's address (never what was sent). */
  readonly logger?: Logger;
  /** Requests anyone may make without signing in: the probes, signed preview images. */
  readonly isOpen: (c: Context) => boolean;
}

/** The challenge that makes a browser ask for a user name and password. */
export const CHALLENGE = 'Basic realm="Sluice", charset="UTF-8"';

/**
 * Finds out who is calling (HTTP Basic with the users file, or a bearer token) and puts the
 * principal on the context. With sign-in off everyone is the anonymous releaser, as a
 * developer's laptop has always had it. Credentials are never logged or echoed.
 */
export function authenticate(options: AuthenticateOptions): MiddlewareHandler {
  const { auth } = options;
  if (auth.mode === 'off') {
    return async function signInOff(c, next) {
      c.set('principal', ANONYMOUS);
      await next();
    };
  }
  const { users, tokens, releasers } = auth;
  const roleOf = (name: string): Role =>
    releasers === 'everyone' || releasers.has(name) ? 'releaser' : 'reader';
  const cache = new CredentialCache();
  const checks = new CheckQueue();
  const throttle = new FailureThrottle();
  const decoy = decoyPassword(users.values());

  async function checkBasic(user: string, password: string): Promise<boolean> {
    const stored = users.get(user);
    const ok = await checkPassword(stored ?? (await decoy()), password);
    return ok && stored !== undefined;
  }

  function checkBearer(token: string): string | null {
    // Every token is compared, in constant time, whichever matches.
    let found: string | null = null;
    for (const [name, known] of tokens) if (sameText(token, known)) found = name;
    return found;
  }

  /** The name the credentials prove, or a 401 (429 while the client must wait). */
  async function identify(c: Context, credentials: Credentials): Promise<string> {
    const client = clientAddress(c);
    if (credentials.via === 'bearer') {
      const name = checkBearer(credentials.token);
      if (name !== null) return name;
    } else {
      const { user, password } = credentials;
      const key = cache.keyOf(user, password);
      if (cache.has(key)) return user;
      refuseWhileThrottled(c, throttle.waitFor(client));
      const checked = checks.run(key, () => checkBasic(user, password));
      if (checked === null) {
        c.header('Retry-After', '1');
        throw new ApiError(
          429,
          'too_many_sign_ins',
          'Too many sign-ins at once; try again in a second',
        );
      }
      if (await checked) {
        cache.add(key);
        throttle.succeeded(client);
        return user;
      }
    }
    refuseWhileThrottled(c, throttle.waitFor(client));
    throttle.failed(client);
    // A name only when it is a known user: people type passwords into the name field.
    const user =
      credentials.via === 'basic' && users.has(credentials.user) ? credentials.user : null;
    options.logger?.warn('sign-in refused', { client, via: credentials.via, user });
    throw unauthorized(
      c,
      credentials.via === 'bearer' ? 'The token is not valid' : 'Wrong user name or password',
    );
  }

  return async function authenticateRequest(c, next) {
    if (options.isOpen(c)) return next();
    const credentials = parseAuthorization(c.req.header('authorization'));
    if (!credentials) {
      throw unauthorized(
        c,
        'Sign in: a user name and password (HTTP Basic), or Authorization: Bearer TOKEN',
      );
    }
    const name = await identify(c, credentials);
    c.set('principal', { name, role: roleOf(name), via: credentials.via } satisfies Principal);
    await next();
  };
}

type Credentials =
  | { readonly via: 'basic'; readonly user: string; readonly password: string }
  | { readonly via: 'bearer'; readonly token: string };

/** `Basic base64(user:password)` (RFC 7617) or `Bearer token` (RFC 6750); null for anything else. */
export function parseAuthorization(header: string | undefined): Credentials | null {
  const match = /^(basic|bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  if (match[1]!.toLowerCase() === 'bearer') return { via: 'bearer', token: match[2]! };
  const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  return { via: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function refuseWhileThrottled(c: Context, waitMs: number): void {
  if (waitMs <= 0) return;
  c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
  throw new ApiError(
    429,
    'too_many_failures',
    'Too many wrong passwords or tokens from this address; wait, then try again',
  );
}

function unauthorized(c: Context, message: string): ApiError {
  c.header('WWW-Authenticate', CHALLENGE);
  return new ApiError(401, 'unauthorized', message);
}

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
