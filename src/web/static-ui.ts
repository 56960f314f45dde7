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
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths the compatibility dialects (MailDev, MailCatcher) will own; the inbox never answers them. */
const RESERVED = /^\/(email|messages)(\/|$)/;

export function staticUiRoutes() {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', APP_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });
  app.use(
    '*',
    serveStatic({
      root: UI_DIR,
      onFound: (path, c) => {
        // Vite puts a content hash in every asset name; index.html must always be re-checked.
        const immutable = path.includes('/assets/');
        c.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  app.get('*', (c) => {
    if (RESERVED.test(c.req.path))
      return c.json({ error: { code: 'not_found', message: 'Not found' } }, 404);
    const index = `${UI_DIR}index.html`;
    if (!existsSync(index)) {
      return c.text(
        'The inbox is not built. Run `npm run build`, then reload. The API is at /api.',
        503,
      );
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(readFileSync(index, 'utf8'));
  });
  return app;
}
