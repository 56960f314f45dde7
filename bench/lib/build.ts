import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Folder holding the Sluice build under test (dist/, ui-dist/, package.json). It starts as the
 * repository; main.ts points it at a copy, because other work in the same tree may rebuild
 * dist/ mid-run, and a benchmark that seeds with one build and serves with another measures
 * nothing (or fails on a migration the seeded database never had).
 */
let buildRoot = REPO;

export function snapshotBuild(workDir: string): void {
  const app = join(workDir, 'app');
  mkdirSync(app, { recursive: true });
  cpSync(join(REPO, 'dist'), join(app, 'dist'), { recursive: true });
  if (existsSync(join(REPO, 'ui-dist'))) {
    cpSync(join(REPO, 'ui-dist'), join(app, 'ui-dist'), { recursive: true });
  }
  cpSync(join(REPO, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'));
  buildRoot = `${app}/`;
}

/** A path inside the build under test, e.g. `buildPath('dist/main.js')`. */
export function buildPath(relative: string): string {
  return join(buildRoot, relative);
}

/** The same, as a URL for `import()`. */
export function buildUrl(relative: string): string {
  return pathToFileURL(buildPath(relative)).href;
}
