import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start` builds only when a source is newer than the build. The script runs in a
// project of its own here, whose "build" only writes the outputs and logs that it ran, so
// the test neither rebuilds this repository nor depends on how long a real build takes.

const SCRIPT = fileURLToPath(new URL('../../scripts/build-if-stale.js', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'sluice-start-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const BUILD = `
const fs = require('node:fs');
if (fs.existsSync('FAIL')) process.exit(3);
fs.mkdirSync('dist', { recursive: true });
fs.mkdirSync('ui-dist', { recursive: true });
fs.writeFileSync('dist/main.js', '');
fs.writeFileSync('ui-dist/index.html', '');
fs.appendFileSync('build.log', (process.env.SLUICE_BUILD_QUIET ?? '-') + '\\n');
`;

function write(path: string, text = ''): void {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), text);
}

/** As if `path` was edited after the last build: the build 60 s ago, the edit 30 s ago. */
function editAfterBuild(path: string): void {
  const at = (seconds: number) => new Date(Date.now() - seconds * 1000);
  for (const output of ['dist/main.js', 'ui-dist/index.html']) {
    utimesSync(join(project, output), at(60), at(60));
  }
  utimesSync(join(project, path), at(30), at(30));
}

function builds(): number {
  try {
    return readFileSync(join(project, 'build.log'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

function start(): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', HOME: project },
      stdio: 'inherit',
    });
    child.on('exit', resolve);
  });
}

describe('scripts/build-if-stale.js (npm start)', () => {
  write('package.json', JSON.stringify({ scripts: { build: 'node build.cjs' } }));
  write('build.cjs', BUILD);
  write('src/main.ts');
  write('ui/index.html');

  it('builds when there is no build yet, quietly', async () => {
    expect(await start()).toBe(0);
    expect(builds()).toBe(1);
    expect(readFileSync(join(project, 'build.log'), 'utf8')).toBe('1\n');
  });

  it('does not build again when nothing changed', async () => {
    expect(await start()).toBe(0);
    expect(builds()).toBe(1);
  });

  it('builds when a source file changed', async () => {
    editAfterBuild('src/main.ts');
    expect(await start()).toBe(0);
    expect(builds()).toBe(2);
    expect(await start()).toBe(0);
    expect(builds()).toBe(2);
  });

  it('builds when a file was added to ui/ (the directory changed)', async () => {
    write('ui/new.css');
    editAfterBuild('ui');
    expect(await start()).toBe(0);
    expect(builds()).toBe(3);
  });

  it('builds when an output is missing, and fails as the build fails', async () => {
    rmSync(join(project, 'ui-dist', 'index.html'));
    write('FAIL');
    expect(await start()).toBe(3);
    rmSync(join(project, 'FAIL'));
    expect(await start()).toBe(0);
    expect(builds()).toBe(4);
  });
});
