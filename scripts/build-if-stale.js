#!/usr/bin/env node
// `npm start`: build first only when a source is newer than the build, and quietly (the
// inbox's bundle-size line is for `npm run build`). Sources and outputs are relative to the
// working directory, which npm sets to the package's root.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const INPUTS = [
  'src',
  'ui',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'vite.config.ts',
];
const OUTPUTS = ['dist/main.js', 'ui-dist/index.html'];

/** The newest change under a path: a file's mtime, or a directory's and everything in it. */
function newestChange(path) {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return 0;
  // A directory's own mtime moves when an entry is added, removed or renamed.
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry !== 'node_modules') newest = Math.max(newest, newestChange(join(path, entry)));
  }
  return newest;
}

/** True when an output is missing or older than some input. */
function isStale(root) {
  const built = Math.min(
    ...OUTPUTS.map((file) => statSync(join(root, file), { throwIfNoEntry: false })?.mtimeMs ?? 0),
  );
  const changed = Math.max(...INPUTS.map((input) => newestChange(join(root, input))));
  return built === 0 || changed > built;
}

const root = process.cwd();
if (isStale(root)) {
  // npm sets npm_execpath to its own CLI; fall back to the npm on PATH.
  const npm = process.env.npm_execpath;
  const [command, args] = npm
    ? [process.execPath, [npm, 'run', 'build', '--silent']]
    : ['npm', ['run', 'build', '--silent']];
  const build = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, SLUICE_BUILD_QUIET: '1' },
    shell: !npm && process.platform === 'win32',
  });
  process.exitCode = build.status ?? 1;
}
