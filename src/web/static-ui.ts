import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/** The built inbox (vite build writes ui-dist/ at the package root, beside dist/ and src/). */
const UI_DIR = fileURLToPath(new URL('../../ui-dist/', import.meta.url));

/** The inbox's own CSP: nothing but its own files; captured HTML lives in sandboxed frames. */
const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "frame-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  // The inbox's own <base href> (the base path) and nothing else.
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths the compatibility dialects (MailDev, MailCatcher) will own; the inbox never answers them. */
const RESERVED = /^\/(email|messages)(\/|$)/;

export interface StaticUiOptions {
  /** `/` or e.g. `/mail/`: the inbox resolves its assets and API calls against it. */
  readonly basePath: string;
}

export function staticUiRoutes(options: StaticUiOptions) {
  const { basePath } = options;
  const inBase = (path: string) => path.slice(basePath.length - 1);
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', APP_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });
  // Only the hashed assets are files; every page is index.html with its <base> (below).
  app.use(
    '/assets/*',
    serveStatic({
      root: UI_DIR,
      rewriteRequestPath: inBase,
      // Vite puts a content hash in every asset name; index.html (below) is always re-checked.
      onFound: (_path, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable'),
    }),
  );
  app.get('*', (c) => {
    if (RESERVED.test(inBase(c.req.path)))
      return c.json({ error: { code: 'not_found', message: 'Not found' } }, 404);
    const index = `${UI_DIR}index.html`;
    if (!existsSync(index)) {
      return c.text(
        'The inbox is not built. Run `npm run build`, then reload. The API is at /api.',
        503,
      );
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(withBase(readFileSync(index, 'utf8'), basePath));
  });
  return app;
}

/**
 * The inbox's assets and API calls are relative URLs; a <base href> resolves them under the
 * base path, whatever page of the inbox was loaded.
 */
function withBase(html: string, basePath: string): string {
  return html.replace(/<head>/i, `<head><base href="${basePath}">`);
}
