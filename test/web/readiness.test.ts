import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ThreadedStore } from '../../src/ingest/threaded-store.js';
import postgresClient from 'postgres';
import { ENGINES, postgres, type EngineDatabase } from '../helpers/engines.js';
import { startSluice } from '../helpers/sluice.js';
import { sendExact } from '../mail/smtp-send.js';

// Liveness says the process answers; readiness says it can take mail now. Readiness is 503,
// with the reason, while the database cannot be written or its size budget is used up.

const ready = async (baseUrl: string) => {
  const response = await fetch(`${baseUrl}/api/ready`);
  return {
    status: response.status,
    body: (await response.json()) as { ready: boolean; reason?: string },
  };
};

describe.each(ENGINES)('readiness ($name)', (engine) => {
  const databases: EngineDatabase[] = [];
  const start = async (args: string[] = []) => {
    const database = await engine.create();
    databases.push(database);
    return startSluice(args, { database });
  };
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it.skipIf(engine.skip)(
    'is 200 on /api/ready and /readyz, liveness on /api/health and /livez',
    async () => {
      const sluice = await start();
      try {
        for (const path of ['/api/ready', '/readyz'])
          expect(await (await sluice.api(path)).json(), path).toEqual({ ready: true });
        for (const path of ['/api/health', '/livez'])
          expect(await (await sluice.api(path)).json(), path).toEqual({ status: 'ok' });
      } finally {
        await sluice.close();
      }
    },
  );

  it.skipIf(engine.skip)(
    'is 503 once --max-db-size is reached, and 200 again after deleting mail',
    async () => {
      const sluice = await start(['--max-db-size', '1MB']);
      try {
        const body = `${'x'.repeat(76)}\r\n`.repeat(1000);
        let refused = 0;
        for (let n = 0; n < 40 && refused === 0; n++) {
          const reply = await sendExact(
            sluice.smtpPort,
            { from: 'a@example.com', to: ['b@example.com'] },
            Buffer.from(`Subject: filler ${n}\r\n\r\n${body}`),
          ).catch((error: { responseCode?: number }) => error);
          if ((reply as { responseCode?: number }).responseCode === 452) refused++;
        }
        expect(refused).toBe(1);
        await expect
          .poll(async () => (await ready(sluice.baseUrl)).body.reason ?? '', { timeout: 15_000 })
          .toMatch(/--max-db-size \(1048576 bytes\).*: delete messages or raise the limit$/);
        expect((await ready(sluice.baseUrl)).status).toBe(503);
        expect((await sluice.api('/api/messages/delete', { json: { all: true } })).status).toBe(
          200,
        );
        await expect
          .poll(async () => (await ready(sluice.baseUrl)).status, { timeout: 15_000 })
          .toBe(200);
      } finally {
        await sluice.close();
      }
    },
  );
});

describe('readiness of SQLite', () => {
  it('is 503 while another process holds the database’s write lock, and recovers', async () => {
    const sluice = await startSluice();
    const other = new Database(join(sluice.dataDir, 'sluice.db'));
    try {
      expect((await ready(sluice.baseUrl)).status).toBe(200);
      // Someone's sqlite3 shell with a transaction left open: no mail can be stored.
      other.exec('BEGIN IMMEDIATE');
      await expect
        .poll(() => ready(sluice.baseUrl), { timeout: 15_000 })
        .toEqual({
          status: 503,
          body: {
            ready: false,
            reason: 'the database cannot be written: the database refused the write (SQLITE_BUSY)',
          },
        });
      // Liveness is about the process, which still answers.
      expect((await sluice.api('/api/health')).status).toBe(200);
      other.exec('ROLLBACK');
      await expect
        .poll(async () => (await ready(sluice.baseUrl)).status, { timeout: 15_000 })
        .toBe(200);
    } finally {
      other.close();
      await sluice.close();
    }
  });
});

describe.skipIf(postgres.skip)('readiness of PostgreSQL', () => {
  it('is 503 while another session holds the probe row, and recovers', async () => {
    const database = await postgres.create();
    const sluice = await startSluice([], { database });
    const other = postgresClient(database.db, { max: 1, onnotice: false });
    const session = await other.reserve();
    try {
      expect((await ready(sluice.baseUrl)).status).toBe(200);
      // Someone's psql with a transaction left open on the probe's row: the write waits.
      await session`BEGIN`;
      await session`SELECT * FROM sluice.readiness_probe FOR UPDATE`;
      await expect
        .poll(() => ready(sluice.baseUrl), { timeout: 15_000 })
        .toEqual({
          status: 503,
          body: {
            ready: false,
            reason: expect.stringMatching(/^the database cannot be written: .*lock timeout/),
          },
        });
      expect((await sluice.api('/api/health')).status).toBe(200);
      await session`ROLLBACK`;
      await expect
        .poll(async () => (await ready(sluice.baseUrl)).status, { timeout: 15_000 })
        .toBe(200);
    } finally {
      session.release();
      await other.end();
      await sluice.close();
      await database.drop();
    }
  });
});

describe('ThreadedStore.readiness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ready-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers not ready, with the reason, once its thread has stopped', async () => {
    const store = new ThreadedStore({
      engine: 'sqlite',
      path: join(dir, 'stopped.db'),
      maxMessages: 0,
      maxAgeMs: 0,
    });
    await store.ready;
    expect(await store.readiness()).toEqual({ ready: true });
    await store.close();
    const answer = await store.readiness();
    expect(answer.ready).toBe(false);
    expect(answer).toMatchObject({ reason: expect.stringMatching(/^the store's thread stopped/) });
  });
});
