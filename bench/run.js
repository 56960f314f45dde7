// `npm run bench` entry point: runs the TypeScript harness (bench/main.ts) under tsx, which
// is a dev dependency, so that no separate compile step is needed. Arguments pass through.
import { spawn } from 'node:child_process';
import { URL, fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const child = spawn(
  process.execPath,
  ['--import', import.meta.resolve('tsx'), main, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
// Ctrl-C reaches both processes; the harness stops its servers and exits on its own.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
