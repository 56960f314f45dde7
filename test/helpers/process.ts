import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/**
 * The TLS listeners are on by default at fixed ports (1587, 1465); tests run side by side,
 * so they get free ports unless a test sets them (a flag or its own env wins).
 */
const FREE_TLS_PORTS = { SLUICE_SMTP_STARTTLS: '127.0.0.1:0', SLUICE_SMTPS: '127.0.0.1:0' };

export interface SluiceProcess {
  readonly child: ChildProcess;
  readonly smtpPort: number;
  readonly starttlsPort: number | null;
  readonly httpPort: number;
  readonly smtpsPort: number | null;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/**
 * Runs the built CLI (`node dist/main.js`, as `npx sluice` does) and waits until it prints
 * its addresses. `npm test` builds before the tests run.
 */
export function spawnSluice(
  args: string[],
  env: Record<string, string> = {},
): Promise<SluiceProcess> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...FREE_TLS_PORTS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice did not start in time.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 20_000);
    const check = () => {
      const smtp = /SMTP\s+\S+:(\d+)/.exec(stdout);
      const http = /Inbox\s+https?:\/\/\S+:(\d+)\//.exec(stdout);
      if (smtp && http) {
        clearTimeout(timer);
        const smtps = /SMTPS\s+\S+:(\d+)/.exec(stdout);
        const starttls = /\S+:(\d+)\s+\(STARTTLS\)/.exec(stdout);
        resolve({
          child,
          smtpPort: Number(smtp[1]),
          httpPort: Number(http[1]),
          smtpsPort: smtps ? Number(smtps[1]) : null,
          starttlsPort: starttls ? Number(starttls[1]) : null,
          stdout: () => stdout,
          stderr: () => stderr,
          exited,
        });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `sluice exited (${code}) before it started.\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    });
  });
}

/** Runs the CLI to completion (for --help and bad arguments). */
export function runSluice(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...FREE_TLS_PORTS,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
