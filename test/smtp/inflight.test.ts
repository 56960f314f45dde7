import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { sluiceOnEngine, startSluice, type TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { dataPayload, queuedId } from '../mail/smtp-send.js';

const KB = 1024;

/** A session up to the 354, ready for its message. */
async function inData(port: number): Promise<RawSmtp> {
  const client = await RawSmtp.open(port);
  await client.reply();
  await client.command('EHLO inflight.test');
  await client.command('MAIL FROM:<a@example.com>');
  await client.command('RCPT TO:<b@example.com>');
  expect((await client.command('DATA')).code).toBe(354);
  return client;
}

function textMessage(subject: string, bytes: number): Buffer {
  const line = 'All work and no play makes a dull message.\r\n';
  return Buffer.from(`Subject: ${subject}\r\n\r\n${line.repeat(Math.ceil(bytes / line.length))}`);
}

/** A message with a base64 attachment of varied bytes, about `bytes` long. */
function bigMessage(bytes: number): Buffer {
  const binary = Buffer.alloc(Math.floor((bytes * 3) / 4));
  for (let i = 0; i + 4 <= binary.length; i += 4) binary.writeUInt32LE((i * 2654435761) >>> 0, i);
  const base64 = binary.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    'Subject: streamed\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n' +
      `Content-Transfer-Encoding: base64\r\n\r\n${base64}\r\n`,
  );
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

// Issue 12: DATA in flight is bounded by --max-inflight-bytes; past it a new DATA gets
// 451 4.3.1 until memory frees.
describe('the in-flight budget', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-inflight-bytes', '64KB']);
  });
  afterAll(() => sluice.close());

  it('answers a new DATA 451 4.3.1 while it is spent, and takes it once it is free', async () => {
    const budget = sluice.app.smtp!.budget;
    const first = await inData(sluice.smtpPort);
    const message = textMessage('holds the budget', 100 * KB);
    const payload = dataPayload(message);
    // All but the final dot: below a staging piece, so it is all held in memory.
    first.write(payload.subarray(0, payload.length - 3));
    await vi.waitFor(() => expect(budget.held).toBeGreaterThanOrEqual(64 * KB));

    const second = await RawSmtp.open(sluice.smtpPort);
    await second.reply();
    await second.command('EHLO second.test');
    await second.command('MAIL FROM:<a@example.com>');
    await second.command('RCPT TO:<b@example.com>');
    const refused = await second.command('DATA');
    expect(refused.code).toBe(451);
    expect(refused.text).toMatch(/^451 4\.3\.1 /);

    first.write(payload.subarray(payload.length - 3));
    expect((await first.reply()).code).toBe(250);
    expect(budget.held).toBe(0);
    // Same session, same envelope: the client tries DATA again.
    expect((await second.command('DATA')).code).toBe(354);
    expect((await second.command('Subject: after the wait\r\n\r\nHello.\r\n.')).code).toBe(250);
    first.destroy();
    second.destroy();
  });
});

/** Pieces staged under a key that no stored message has taken (SQLite 008, PostgreSQL 007). */
const STAGED = {
  sqlite: `id < 0 AND id NOT IN (SELECT pieces_key FROM message_bodies WHERE pieces_key IS NOT NULL)`,
  // A committed message's pieces move to its id: every negative key is still in DATA.
  postgres: 'id < 0',
};

describe.each(ENGINES)('a large message ($name)', (engine) => {
  const running = sluiceOnEngine(engine);
  const stagedPieces = () => running.database.count('message_raw_pieces', STAGED[engine.name]);

  it.skipIf(engine.skip)(
    'streams to the database as it arrives: 50 MB never held whole in memory',
    async () => {
      const file = bigMessage(50_000_000);
      const payload = dataPayload(file);
      const client = await inData(running.sluice.smtpPort);
      // The first half: in the database while the rest is still to come.
      client.write(payload.subarray(0, 25_000_000));
      await vi.waitFor(async () => expect(await stagedPieces()).toBeGreaterThan(0), {
        timeout: 60_000,
      });
      client.write(payload.subarray(25_000_000));
      const reply = await client.reply(120_000);
      client.destroy();
      expect(reply.code).toBe(250);
      const id = queuedId(reply.text);
      // Two staging pieces (one written, one filling) and a socket read at most.
      expect(running.sluice.app.smtp!.budget.peak).toBeLessThan(1024 * KB);
      expect(running.sluice.app.smtp!.budget.held).toBe(0);
      expect(await stagedPieces()).toBe(0);
      const raw = Buffer.from(
        await (await running.sluice.api(`/api/messages/${id}/raw`)).arrayBuffer(),
      );
      expect(raw.length).toBe(file.length);
      expect(sha256(raw)).toBe(sha256(file));
      expect((await running.sluice.getJson(`/api/messages/${id}`)).subject).toBe('streamed');
      // 50 MB through SMTP, the parser and the database, on a machine that may be busy.
    },
    180_000,
  );

  it.skipIf(engine.skip)('leaves nothing staged when the client goes away mid-DATA', async () => {
    const client = await inData(running.sluice.smtpPort);
    const payload = dataPayload(bigMessage(2_000_000));
    client.write(payload.subarray(0, 1_500_000));
    await vi.waitFor(async () => expect(await stagedPieces()).toBeGreaterThan(0));
    client.destroy();
    await vi.waitFor(async () => expect(await stagedPieces()).toBe(0));
    if (engine.name === 'postgres') expect(await running.database.count('staged_messages')).toBe(0);
    expect((await running.sluice.getJson('/api/messages')).total).toBe(1);
  });
});
