import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs a Python 3 script with Debian's interpreter (which has the python3-* packages;
 * the first python3 on PATH may be another one). The script's stdout is parsed as JSON.
 */
export async function runPython<T = unknown>(
  script: string,
  args: string[] = [],
  timeoutMs = 60_000,
): Promise<T> {
  const { stdout } = await run('/usr/bin/python3', ['-c', script, ...args], {
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as T;
}
