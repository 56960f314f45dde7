import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';

/** One message over a bare connection; the reply to its end of DATA. */
async function send(port: number, subject: string): Promise<{ code: number; text: string }> {
  const client = await RawSmtp.open(port);
  try {
    await client.reply();
    await client.command('EHLO readiness.test');
    await client.command('MAIL FROM:<a@example.com>');
    await client.command('RCPT TO:<b@example.com>');
    await client.command('DATA');
    return await client.command(`Subject: ${subject}\r\n\r\nHello.\r\n.`);
  } finally {
    client.destroy();
  }
}

// Issue 9: /api/health stayed green while the store's thread was dead and every message got
// 451. Now the thread restarts, and readiness says 503 while it is down.
describe('readiness when the store thread is killed', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterAll(() => sluice.close());

  it('goes 503 while the thread is down, and 200 again once it restarted', async () => {
    expect((await sluice.api('/api/ready')).status).toBe(200);
    let allowRestart = () => {};
    const restart = new Promise<void>((resolve) => (allowRestart = resolve));
    await sluice.app.store.killThread('writer', restart);

    // The probe's answer is reused for a second: wait for the one that sees the thread down.
    await expect
      .poll(async () => {
        const down = await sluice.api('/api/ready');
        return { status: down.status, body: await down.json() };
      })
      .toEqual({
        status: 503,
        body: {
          ready: false,
          reason: expect.stringMatching(/^the store's thread stopped.*restarting it$/),
        },
      });
    expect((await sluice.api('/api/health')).status).toBe(200);
    expect((await send(sluice.smtpPort, 'while down')).code).toBe(451);

    allowRestart();
    // Starting a thread takes a while on a loaded machine (under vitest it loads tsx first).
    await expect
      .poll(async () => (await sluice.api('/api/ready')).status, { timeout: 20_000 })
      .toBe(200);
    const stored = await send(sluice.smtpPort, 'after the restart');
    expect(stored.code).toBe(250);
    const list = await sluice.getJson('/api/messages');
    expect(list.messages.map((m: { subject: string }) => m.subject)).toEqual(['after the restart']);
  });

  it('keeps serving reads from the writer while the reader thread restarts', async () => {
    expect(await sluice.app.store.readerReady()).toBe(true);
    let allowRestart = () => {};
    const restart = new Promise<void>((resolve) => (allowRestart = resolve));
    await sluice.app.store.killThread('reader', restart);
    expect((await sluice.api('/api/ready')).status).toBe(200);
    expect((await sluice.getJson('/api/messages')).total).toBe(1);
    allowRestart();
  });
});

// PostgreSQL: the writer's pool serves reads (no reader thread), large DATA is staged as on
// SQLite, and a writer thread that dies opens its pool again when it restarts.
describe.skipIf(postgres.skip)('the store thread on PostgreSQL', () => {
  let database: EngineDatabase;
  let sluice: TestSluice;
  beforeAll(async () => {
    database = await postgres.create();
    sluice = await startSluice([], { database });
  });
  afterAll(async () => {
    await sluice?.close();
    await database?.drop();
  });

  it('has no reader thread, stages, and serves again after a restart', async () => {
    expect(await sluice.app.store.readerReady()).toBe(false);
    expect(sluice.app.store.stagesLargeMessages).toBe(true);
    expect((await send(sluice.smtpPort, 'before')).code).toBe(250);
    let allowRestart = () => {};
    const restart = new Promise<void>((resolve) => (allowRestart = resolve));
    await sluice.app.store.killThread('writer', restart);
    await expect.poll(async () => (await sluice.api('/api/ready')).status).toBe(503);
    expect((await send(sluice.smtpPort, 'while down')).code).toBe(451);

    allowRestart();
    await expect
      .poll(async () => (await sluice.api('/api/ready')).status, { timeout: 20_000 })
      .toBe(200);
    expect((await send(sluice.smtpPort, 'after')).code).toBe(250);
    const list = await sluice.getJson('/api/messages');
    expect(list.messages.map((m: { subject: string }) => m.subject)).toEqual(['after', 'before']);
  });
});
