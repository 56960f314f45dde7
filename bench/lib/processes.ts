import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

/** Every server the benchmark started, so that an interrupted run stops them all. */
const live = new Set<ChildProcess>();

export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Stops the servers this process started (by their own PIDs), e.g. on Ctrl-C. */
export function killTrackedChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<void>;
}

export function spawnServer(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Spawned {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    // Only the start matters (addresses, errors); a chatty server must not grow this forever.
    if (output.length < 64 * 1024) output += chunk.toString();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => output, exited };
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopServer(spawned: Spawned, graceMs = 15_000): Promise<void> {
  if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) return;
  spawned.child.kill('SIGTERM');
  const timer = setTimeout(() => spawned.child.kill('SIGKILL'), graceMs);
  await spawned.exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago (for servers that cannot be told to pick one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something on the port answers with an SMTP greeting. */
export async function waitForGreeting(port: number, spawned: Spawned, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) {
      throw new Error(`server exited early:\n${spawned.output()}`);
    }
    if (await greets(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no SMTP greeting on port ${port} after ${timeoutMs} ms:\n${spawned.output()}`);
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => {
      socket.end('QUIT\r\n');
      done(data.toString().startsWith('220'));
    });
  });
}
