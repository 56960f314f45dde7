import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres, type EngineDatabase } from '../helpers/engines.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendExact } from '../mail/smtp-send.js';

// --tenant NAME, as a team runs it: Sluices on one PostgreSQL database with the same tenant
// are one inbox; another tenant, or none, sees nothing of it, over SMTP and the HTTP API.

const mail = (subject: string) =>
  Buffer.from(`From: app@example.com\r\nTo: dev@example.com\r\nSubject: ${subject}\r\n\r\nHi.\r\n`);
const ENVELOPE = { from: 'app@example.com', to: ['dev@example.com'] };

describe.skipIf(postgres.skip)('--tenant on one PostgreSQL database', () => {
  let database: EngineDatabase;
  const sluices: Record<'red' | 'redAgain' | 'blue' | 'shared', TestSluice> = {} as never;

  beforeAll(async () => {
    database = await postgres.create();
    const start = (args: string[]) => startSluice(args, { database });
    sluices.red = await start(['--tenant', 'red']);
    // Case does not matter, as with Mailpit's --tenant-id.
    sluices.redAgain = await start(['--tenant', 'RED']);
    sluices.blue = await start(['--tenant', 'blue']);
    sluices.shared = await start([]);
  }, 60_000);
  afterAll(async () => {
    for (const sluice of Object.values(sluices)) await sluice?.close();
    await database?.drop();
  });

  const subjects = async (sluice: TestSluice) => {
    const page = (await (await sluice.api('/api/messages?limit=50')).json()) as {
      messages: { subject: string }[];
    };
    return page.messages.map((m) => m.subject).sort();
  };

  it('keeps each team’s mail in its own inbox, shared by its instances', async () => {
    const waiting = sluices.redAgain.api('/api/messages/wait?query=subject:for-red&timeout=20s');
    await sendExact(sluices.red.smtpPort, ENVELOPE, mail('for-red'));
    // Captured by one red instance, it resolves /wait on the other.
    const found = await waiting;
    expect(found.status).toBe(200);
    expect(((await found.json()) as { subject: string }).subject).toBe('for-red');

    await sendExact(sluices.blue.smtpPort, ENVELOPE, mail('for-blue'));
    await sendExact(sluices.shared.smtpPort, ENVELOPE, mail('for-everyone'));

    expect(await subjects(sluices.red)).toEqual(['for-red']);
    expect(await subjects(sluices.redAgain)).toEqual(['for-red']);
    expect(await subjects(sluices.blue)).toEqual(['for-blue']);
    expect(await subjects(sluices.shared)).toEqual(['for-everyone']);

    // Deleting everything is one team's own business.
    const cleared = await sluices.blue.api('/api/messages/delete', { json: { all: true } });
    expect(cleared.status).toBe(200);
    expect(await subjects(sluices.blue)).toEqual([]);
    expect(await subjects(sluices.red)).toEqual(['for-red']);
    expect(await subjects(sluices.shared)).toEqual(['for-everyone']);
  });

  it('names the tenant where it says where the data is', async () => {
    const info = (await (await sluices.red.api('/api/info')).json()) as {
      database: { path: string };
    };
    expect(info.database.path).toMatch(/^postgres:\/\/.* \(tenant red\)$/);
  });
});
