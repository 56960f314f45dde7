import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './helpers/ports.js';
import { MAIN, runSluice, spawnSluice, type SluiceProcess } from './helpers/process.js';
import { runPython } from './helpers/python.js';
import { RawSmtp } from './helpers/smtp-client.js';

const SEND = `
import smtplib, sys, json
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='cli-test')
s.sendmail('app@example.com', ['dev@example.com'], b'Subject: ' + sys.argv[2].encode() + b'\\r\\n\\r\\nhello\\r\\n')
s.quit()
print(json.dumps(True))
`;

const temps: string[] = [];
const running: SluiceProcess[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const proc of running.splice(0)) {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await proc.exited;
  }
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(args: string[], env: Record<string, string> = {}) {
  const proc = await spawnSluice(args, env);
  running.push(proc);
  return proc;
}

async function listTotal(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/api/messages`);
  return ((await response.json()) as { total: number }).total;
}

describe('sluice command line', () => {
  it('--help lists the options with their env names', async () => {
    const result = await runSluice(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--smtp HOST:PORT');
    expect(result.stdout).toContain('env SLUICE_DB');
  });

  it('relay verify --help explains relay verify, not the server', async () => {
    const result = await runSluice(['relay', 'verify', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: sluice relay verify \[options\]\n/);
    expect(result.stdout).toContain('sends nothing');
    expect(result.stdout).not.toContain('--max-message-size');
  });

  it('stops with exit code 2 and names the option when a value is bad', async () => {
    const result = await runSluice(['--http', 'everywhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--http (SLUICE_HTTP): "everywhere" is not valid');
    const fromEnv = await runSluice([], { SLUICE_MAX_MESSAGE_SIZE: 'huge' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('SLUICE_MAX_MESSAGE_SIZE');
  });

  it('starts with its defaults in the XDG data dir, prints where to point an app, and keeps mail across restarts', async () => {
    const xdg = tempDir();
    const env = { XDG_DATA_HOME: xdg, SLUICE_SMTP: '127.0.0.1:0', SLUICE_HTTP: '127.0.0.1:0' };
    const first = await start([], env);
    expect(first.stdout()).toContain(`EMAIL_HOST=127.0.0.1 EMAIL_PORT=${first.smtpPort}`);
    expect(first.stdout()).toContain(`http://127.0.0.1:${first.httpPort}/`);
    expect(existsSync(join(xdg, 'sluice', 'sluice.db'))).toBe(true);
    expect(existsSync(join(xdg, 'sluice', 'sluice-tls.crt'))).toBe(true);
    await runPython(SEND, [String(first.smtpPort), 'kept']);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await start([], env);
    expect(await listTotal(second.httpPort)).toBe(1);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('on SIGTERM finishes a message that is mid-DATA, answers 250, then exits 0', async () => {
    const dir = tempDir();
    const proc = await start([
      '--smtp',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--db',
      join(dir, 'db.sqlite'),
    ]);
    const client = await RawSmtp.open(proc.smtpPort);
    await client.reply();
    await client.command('EHLO shutdown.example');
    await client.command('MAIL FROM:<a@example.com>');
    await client.command('RCPT TO:<b@example.com>');
    expect((await client.command('DATA')).code).toBe(354);
    client.write('Subject: in flight\r\n\r\nfirst half\r\n');
    proc.child.kill('SIGTERM');
    // The rest of the message goes once Sluice has taken the signal (it says so).
    await expect.poll(() => proc.stderr()).toContain('SIGTERM: finishing messages in progress');
    client.write('second half\r\n.\r\n');
    const reply = await client.reply();
    expect(reply.text).toMatch(/^250 2\.0\.0 Ok: queued as 1$/);
    expect(await proc.exited).toBe(0);
  });

  it('explains a port that is already in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const result = await runSluice([
      '--smtp',
      `127.0.0.1:${port}`,
      '--http',
      '127.0.0.1:0',
      '--db',
      ':memory:',
    ]);
    blocker.close();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the port is in use');
  });

  it('serves implicit TLS when --smtps is given', async () => {
    const proc = await start([
      '--smtp',
      '127.0.0.1:0',
      '--smtps',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--db',
      ':memory:',
    ]);
    expect(proc.smtpsPort).toBeGreaterThan(0);
    const info = (await (await fetch(`http://127.0.0.1:${proc.httpPort}/api/info`)).json()) as {
      smtps: { port: number };
    };
    expect(info.smtps.port).toBe(proc.smtpsPort);
  });
});

/** Whether something accepts a TCP connection on the port now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('signals', () => {
  const RUNS = 6;
  // The SMTP port opens before the HTTP server and the banner; a SIGTERM in between (a
  // supervisor or a test that waits for the port) used to meet Node's default: killed.
  it('exits 0 on a SIGTERM sent the moment the SMTP port accepts, every time', async () => {
    const exits: (number | string)[] = [];
    for (let run = 0; run < RUNS; run++) {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [MAIN, '--smtp', `127.0.0.1:${port}`, '--http', '127.0.0.1:0', '--db', ':memory:'],
        { stdio: 'ignore' },
      );
      const exited = new Promise<number | string>((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
      );
      await expect.poll(() => accepts(port), { interval: 1 }).toBe(true);
      child.kill('SIGTERM');
      exits.push(await exited);
    }
    expect(exits).toEqual(Array(RUNS).fill(0));
  }, 180_000);
});
