import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { postgres, type EngineDatabase } from '../helpers/engines.js';
import { spawnSluice, type SluiceProcess } from '../helpers/process.js';
import { sendExact } from '../mail/smtp-send.js';
import { TestReceiver } from '../webhooks/receiver.js';

// Three Sluice processes on one PostgreSQL database, each with the same webhook: they take
// turns at its lease, so the receiver gets every message once, in id order, whichever
// instance captured it.

const MESSAGES = 60;

describe.skipIf(postgres.skip)('one webhook on three instances of one PostgreSQL database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-webhook-once-'));
  let database: EngineDatabase;
  let receiver: TestReceiver;
  const sluices: SluiceProcess[] = [];

  beforeAll(async () => {
    database = await postgres.create();
    receiver = await TestReceiver.listen();
    const config = join(dir, 'sluice.yaml');
    writeFileSync(
      config,
      stringify({ webhooks: [{ name: 'ci', url: receiver.url, allow_private: true }] }),
    );
    const args = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', database.db];
    // One at a time: the first creates the schema (the others would wait for it anyway).
    for (let n = 0; n < 3; n++) {
      sluices.push(
        await spawnSluice([...args, '--config', config, '--log-level', 'warn'], {
          XDG_DATA_HOME: dir,
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    for (const sluice of sluices) {
      sluice.child.kill('SIGTERM');
      await sluice.exited;
    }
    await receiver?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers each message once, in id order', async () => {
    const ids: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const { id } = await sendExact(
        sluices[i % 3]!.smtpPort,
        { from: 'app@example.com', to: [`user${i}@example.com`] },
        Buffer.from(`From: app@example.com\r\nSubject: hook ${i}\r\n\r\nHi.\r\n`),
      );
      ids.push(id);
    }
    // Every message behind the cursor, and no instance in the middle of a turn.
    await vi.waitFor(
      async () =>
        expect(
          await database.count('webhook_cursors', 'delivered_through = $1 AND leased_by IS NULL', [
            Math.max(...ids),
          ]),
        ).toBe(1),
      { timeout: 60_000, interval: 100 },
    );
    expect(receiver.acceptedIds()).toEqual(ids);
    expect(await database.count('webhook_attempts')).toBe(MESSAGES);
  }, 120_000);
});

describe.skipIf(postgres.skip)('a webhook whose instance is killed mid-delivery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-webhook-kill-'));
  let database: EngineDatabase;
  let receiver: TestReceiver;
  const sluices: SluiceProcess[] = [];
  let config: string;
  const start = async () => {
    const args = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', database.db];
    const sluice = await spawnSluice([...args, '--config', config, '--log-level', 'warn'], {
      XDG_DATA_HOME: dir,
    });
    sluices.push(sluice);
    return sluice;
  };
  const send = (sluice: SluiceProcess, subject: string) =>
    sendExact(
      sluice.smtpPort,
      { from: 'app@example.com', to: ['user@example.com'] },
      Buffer.from(`From: app@example.com\r\nSubject: ${subject}\r\n\r\nHi.\r\n`),
    );

  beforeAll(async () => {
    database = await postgres.create();
    receiver = await TestReceiver.listen();
    config = join(dir, 'sluice.yaml');
    writeFileSync(
      config,
      stringify({ webhooks: [{ name: 'ci', url: receiver.url, allow_private: true }] }),
    );
  });
  afterAll(async () => {
    for (const sluice of sluices) {
      sluice.child.kill('SIGKILL');
      await sluice.exited;
    }
    await receiver?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is taken over once its lease runs out: nothing lost, one message sent again', async () => {
    const first = await start();
    // The receiver hangs on the first POST: the instance is killed while it waits.
    receiver.unanswered = 1;
    const { id } = await send(first, 'in flight');
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 30_000 });
    const second = await start();
    first.child.kill('SIGKILL');
    await first.exited;
    const later = await send(second, 'after the kill');
    // The survivor waits out the dead instance's lease (30 s), then delivers both, in order.
    await vi.waitFor(() => expect(receiver.acceptedIds()).toEqual([id, later.id]), {
      timeout: 90_000,
      interval: 250,
    });
    const posted = receiver.received.map((r) => (JSON.parse(r.body) as { id: number }).id);
    expect(posted).toEqual([id, id, later.id]);
  }, 150_000);
});
