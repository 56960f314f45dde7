import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const OUT_DIR = fileURLToPath(new URL('./ui-dist/', import.meta.url));
/** Issue 3: the inbox's initial JavaScript + CSS stays at or under 100 KB gzipped. */
const BUDGET_BYTES = 100 * 1024;

/**
 * Prints what index.html makes the browser download before the first render (scripts,
 * module preloads, stylesheets), gzipped, and fails the build over budget. `npm run build`
 * runs vite with --logLevel warn, which hides vite's own size table, so this writes itself.
 */
function initialSizeReport(): Plugin {
  return {
    name: 'sluice-initial-size',
    apply: 'build',
    closeBundle() {
      const html = readFileSync(join(OUT_DIR, 'index.html'), 'utf8');
      const files = [
        ...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="\.?\/([^"]+\.(?:js|css))"/g),
      ].map((m) => m[1]!);
      let total = 0;
      const parts = files.map((file) => {
        const size = gzipSync(readFileSync(join(OUT_DIR, file)), { level: 9 }).length;
        total += size;
        return `${file} ${(size / 1024).toFixed(1)} KB`;
      });
      const line = `ui: initial JS+CSS ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB): ${parts.join(', ')}`;
      if (total > BUDGET_BYTES) throw new Error(`${line}\nThe inbox is over its size budget.`);
      // npm start builds only when sources changed, and without this line (scripts/build-if-stale.js).
      if (!process.env.SLUICE_BUILD_QUIET) console.log(line);
    },
  };
}

export default defineConfig({
  root: 'ui',
  // Relative asset URLs: the server's <base href> puts them under --http-base-path.
  base: './',
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    assetsDir: 'assets',
    reportCompressedSize: true,
    // Inline nothing as data: URLs that a CSP review would have to reason about.
    assetsInlineLimit: 0,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [initialSizeReport()],
});
