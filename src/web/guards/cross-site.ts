import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import { hasBody } from '../input.js';

export interface CrossSiteGuardOptions {
  /**
   * Whether the request is the inbox's sandboxed preview frame loading one of its message's
   * images (a signed part link, see auth/part-links.ts). The frame has an opaque origin, so
   * its requests arrive as cross-site, some with `Origin: null`; only these are let through.
   */
  readonly isFramedImage: (c: Context) => boolean;
  /**
   * Routes whose clients send a JSON body with no Content-Type at all (the `mailhog` npm
   * client's release). A form or a cross-site fetch always names a type, so a request with
   * none is still no CSRF vector; one with a type must say JSON.
   */
  readonly untypedJson?: (method: string, path: string) => boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Keeps other web pages out (CSRF and cross-site reads), in three checks:
 * - an `Origin` must be this server's own (the Host the request was sent to);
 * - `Sec-Fetch-Site: cross-site | same-site` is refused, except when a person follows a link
 *   (a top-level GET navigation: the page that linked cannot read the answer);
 * - a write that carries a body must carry JSON: an HTML form can only send
 *   urlencoded, multipart or text/plain. A write without a body (`curl -X POST …/retry`)
 *   needs no Content-Type: browsers send `Origin` with every cross-origin write, so the
 *   first two checks already refuse a form on another site; this one is for browsers old
 *   enough to send neither header.
 */
export function crossSiteGuard(options: CrossSiteGuardOptions): MiddlewareHandler {
  return async function checkCrossSite(c, next) {
    const method = c.req.method;
    const origin = c.req.header('origin');
    const framedImage = options.isFramedImage(c);

    if (origin === 'null') {
      if (!framedImage) refuse('Requests from opaque origins are not allowed');
    } else if (
      origin !== undefined &&
      originHost(origin) !== (c.req.header('host') ?? '').toLowerCase()
    ) {
      refuse(`Requests from ${origin.slice(0, 100)} are not allowed`);
    }
    const site = c.req.header('sec-fetch-site');
    if ((site === 'cross-site' || site === 'same-site') && !framedImage && !isNavigation(c))
      refuse(`Requests from another site (Sec-Fetch-Site: ${site}) are not allowed`);
    const untyped = options.untypedJson?.(method, c.req.path) ?? false;
    if (!SAFE_METHODS.has(method) && !untyped) checkBody(c);
    await next();
  };
}

function isNavigation(c: Context): boolean {
  return (
    (c.req.method === 'GET' || c.req.method === 'HEAD') &&
    c.req.header('sec-fetch-mode') === 'navigate' &&
    c.req.header('sec-fetch-dest') === 'document'
  );
}

function checkBody(c: Context): void {
  const type = c.req.header('content-type');
  if (type === undefined ? !hasBody(c) : /^application\/json\s*(;|$)/i.test(type)) return;
  throw new ApiError(
    415,
    'unsupported_media_type',
    'Send the request body as JSON (Content-Type: application/json), or send no body',
  );
}

function refuse(message: string): never {
  throw new ApiError(403, 'forbidden_origin', message);
}

function originHost(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}
