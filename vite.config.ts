import { defineConfig } from 'vite';

export default defineConfig({
  root: 'ui',
  base: '/',
  build: {
    outDir: '../ui-dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    reportCompressedSize: true,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
