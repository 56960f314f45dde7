import { Hono } from 'hono';
import { inbucketRoutes } from './inbucket.js';
import { mailcatcherRoutes } from './mailcatcher.js';
import { maildevRoutes } from './maildev.js';
import { mailhogRoutes } from './mailhog.js';
import { mailpitActionRoutes } from './mailpit-actions.js';
import { mailpitEventRoutes } from './mailpit-events.js';
import { mailpitRoutes } from './mailpit.js';
import type { CompatOptions } from './shapes.js';

export type { CompatOptions } from './shapes.js';

/** Paths of the peers' APIs under /api, which /api/openapi.json does not describe. */
const PEER_API_PATH = /^\/api\/(v1|v2|email|healthz|config)(\/|$)/;

export function isPeerPath(path: string): boolean {
  return PEER_API_PATH.test(path);
}

/**
 * The peers' routes that send mail out through the relay (Mailpit and MailHog release,
 * MailDev relay): for the role check, these need the releaser role like the native ones.
 */
export function isPeerReleaseRoute(method: string, path: string): boolean {
  return (
    method === 'POST' &&
    /^\/api\/v1\/messages?\/[^/]+\/release$|^(\/api)?\/email\/[^/]+\/relay(\/[^/]*)?$/.test(path)
  );
}

/** The `mailhog` npm client posts its release JSON without a Content-Type. */
export function isUntypedPeerJson(method: string, path: string): boolean {
  return method === 'POST' && /^\/api\/v1\/messages\/[^/]+\/release$/.test(path);
}

/**
 * The peers' APIs, all on, mounted on the same root as the native API so that the same
 * guards and authentication cover them. Where two peers claim a path (README's
 * compatibility table) the first registered wins: Mailpit's before MailHog's.
 */
export function compatRoutes(options: CompatOptions) {
  const app = new Hono();
  // cypress-mailpit asks for `${base}//view/ID.html`; Mailpit's Go router answers such a
  // path with a redirect to the clean one, and so does this.
  app.use('*', async (c, next) => {
    const url = new URL(c.req.url);
    if (!url.pathname.includes('//')) return next();
    url.pathname = url.pathname.replace(/\/{2,}/g, '/');
    return c.redirect(url.pathname + url.search, 301);
  });
  app.route('/', mailpitRoutes(options));
  app.route('/', mailpitEventRoutes(options));
  app.route('/', mailpitActionRoutes(options));
  app.route('/', mailhogRoutes(options));
  app.route('/', inbucketRoutes(options));
  app.route('/', maildevRoutes(options));
  app.route('/', mailcatcherRoutes(options));
  return app;
}
