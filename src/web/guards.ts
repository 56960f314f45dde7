import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';

export interface GuardOptions {
  /** Host names (without port) the server answers to; null accepts any (bound to a public interface). */
  readonly allowedHosts: ReadonlySet<string> | null;
  /**
   * Routes whose clients send a JSON body with no Content-Type at all (the `mailhog` npm
   * client's release). A form or a cross-site fetch always names a type, so a request with
   * none is still no CSRF vector; one with a type must say JSON.
   */
  readonly untypedJson?: (method: string, path: string) => boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const CAPTURED_PART = /^\/api\/messages\/\d+\/(cid|parts)\//;

/**
 * Keeps other web pages out of the API:
 * - a Host check on loopback defeats DNS rebinding (a hostile name that resolves to 127.0.0.1);
 * - a foreign Origin is refused, so another site cannot read the event stream or act;
 * - a write with a body must be JSON (or DELETE, which browsers only send cross-origin after a
 *   preflight Sluice never approves), so a plain HTML form cannot trigger it.
 */
export function apiGuard(options: GuardOptions): MiddlewareHandler {
  return async function guardApi(c, next) {
    const host = c.req.header('host') ?? '';
    if (options.allowedHosts && !options.allowedHosts.has(hostName(host))) {
      throw new ApiError(
        403,
        'forbidden_host',
        `Host "${host}" is not served here; use localhost or 127.0.0.1`,
      );
    }
    const origin = c.req.header('origin');
    if (origin && origin !== 'null' && safeHost(origin) !== host.toLowerCase()) {
      throw new ApiError(403, 'forbidden_origin', `Requests from ${origin} are not allowed`);
    }
    // The inbox's sandboxed preview frame has an opaque origin, so Chromium sends
    // "Origin: null" even for its <img> requests; those may load parts (they cannot read
    // them). Anything else from an opaque origin is refused.
    if (origin === 'null' && !(SAFE_METHODS.has(c.req.method) && CAPTURED_PART.test(c.req.path))) {
      throw new ApiError(403, 'forbidden_origin', 'Requests from opaque origins are not allowed');
    }
    const untyped =
      !c.req.header('content-type') && options.untypedJson?.(c.req.method, c.req.path);
    if (
      !SAFE_METHODS.has(c.req.method) &&
      c.req.method !== 'DELETE' &&
      hasBody(c.req.raw) &&
      !untyped
    ) {
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new ApiError(
          415,
          'unsupported_media_type',
          'Send the request body as JSON (Content-Type: application/json)',
        );
      }
    }
    await next();
  };
}

/**
 * A write without a body needs no content type: a form always sends one, and the peers'
 * clients send bodiless POSTs and PATCHes (MailHog's Jim, MailDev's read-all).
 */
function hasBody(request: Request): boolean {
  const length = request.headers.get('content-length');
  return request.headers.has('transfer-encoding') || (length !== null && length !== '0');
}

function hostName(host: string): string {
  return host
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1');
}

function safeHost(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}

/** Names that reach a loopback listener without DNS: what a browser on this machine uses. */
export function loopbackHosts(bindHost: string): Set<string> {
  return new Set(['localhost', '127.0.0.1', '::1', bindHost.toLowerCase()]);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
