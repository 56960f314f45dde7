import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSluice } from '../helpers/process.js';
import { startSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { buildMessage, dotStuff } from './messages.js';

// src/smtp/listener.ts close(): stop accepting, close idle sessions at once, let a message
// already in DATA finish and commit (its sender gets the 250), then close that one too.
describe('shutdown', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-shutdown-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('finishes a message in DATA, then says 421 to every connection', async () => {
    const sluice = await startSluice([], { dataDir });
    const idle = await RawSmtp.open(sluice.smtpPort);
    const sending = await RawSmtp.open(sluice.smtpPort);
    for (const client of [idle, sending]) {
      await client.reply();
      expect((await client.command('EHLO shutdown.test')).code).toBe(250);
    }
    const message = buildMessage('sent across a shutdown');
    const wire = dotStuff(message.raw);
    await sending.command(`MAIL FROM:<${message.from}>`);
    await sending.command(`RCPT TO:<${message.to[0]}>`);
    expect((await sending.command('DATA')).code).toBe(354);
    sending.write(wire.slice(0, 40));

    const closing = sluice.close();
    // No new connections once close() has begun.
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect(sluice.smtpPort, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    // Issue 10: the idle session is closed at once, not after the message in DATA.
    const idleGoodbye = await idle.reply();
    expect(idleGoodbye.code).toBe(421);
    expect(idleGoodbye.text).toMatch(/shutting down/);
    await idle.waitClosed();

    sending.write(wire.slice(40) + '.\r\n');
    const queued = await sending.reply();
    expect(queued.code, queued.text).toBe(250);
    const id = Number(/queued as (\d+)/.exec(queued.text)?.[1]);
    const goodbye = await sending.reply();
    expect(goodbye.code).toBe(421);
    expect(goodbye.text).toMatch(/shutting down/);
    await sending.waitClosed();
    await closing;

    // The 250 meant committed: a restart on the same database has it.
    const restarted = await startSluice([], { dataDir });
    try {
      const stored = await restarted.getJson(`/api/messages/${id}`);
      expect(stored.subject).toBe(message.subject);
    } finally {
      await restarted.close();
    }
  });
});

/**
 * How long the process may take to exit after SIGTERM with an idle client connected. The
 * goal is 1 s; the library on its own waits closeTimeout (10 s here) for the client to leave
 * before its 421, so a bound between the two catches that without failing on a busy machine.
 */
const IDLE_EXIT_BOUND_MS = 6_000;

// Issue 10: with one idle SMTP client connected, shutdown took 5 s (docker stop gives 10).
describe('shutdown of the process', () => {
  it('exits on SIGTERM with an idle SMTP client connected, without waiting for it to leave', async () => {
    const proc = await spawnSluice([
      '--smtp',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--db',
      ':memory:',
    ]);
    const idle = await RawSmtp.open(proc.smtpPort);
    try {
      await idle.reply();
      expect((await idle.command('EHLO idle.test')).code).toBe(250);
      proc.child.kill('SIGTERM');
      const goodbye = await idle.reply();
      expect(goodbye.code).toBe(421);
      expect(goodbye.text).toMatch(/shutting down/);
      // The client sends nothing more: the server ends its session instead of waiting.
      await expect
        .poll(() => proc.child.exitCode, { timeout: IDLE_EXIT_BOUND_MS, interval: 20 })
        .toBe(0);
    } finally {
      idle.destroy();
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    }
  });
});
