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
