import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSluice, type SluiceProcess } from '../helpers/process.js';
import { fuzzSeed, printSeedOnFailure, Random } from '../fuzz/random.js';
import { createIngestLog, ingest } from './ingest.js';

// docs/architecture.md invariant 1: a message acknowledged with 250 survives SIGKILL. The
// built CLI takes mail from several clients at once and is killed with SIGKILL at a random moment;
// after each kill the database must pass SQLite's integrity check, and the restarted
// server must return every acknowledged message byte for byte. Messages in flight when
// the kill came may be stored or not, but never partially.

const seed = fuzzSeed();
printSeedOnFailure(seed);
const random = new Random(seed);

const REPETITIONS = 10;
const CLIENTS = 4;

/** `PRAGMA integrity_check` on a database no process has open. */
function integrityCheck(path: string): string {
  const db = new Database(path);
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((row) => row.integrity_check)
      .join('\n');
  } finally {
    db.close();
  }
}

function isRunning(sluice: SluiceProcess | undefined): sluice is SluiceProcess {
  return !!sluice && sluice.child.exitCode === null && sluice.child.signalCode === null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds; fails after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  await expect.poll(condition, { timeout: timeoutMs, interval: 10 }).toBe(true);
}

async function rawOf(sluice: SluiceProcess, id: number): Promise<Buffer | null> {
  const response = await fetch(`http://127.0.0.1:${sluice.httpPort}/api/messages/${id}/raw`);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET raw ${id}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

describe('SIGKILL during ingest', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-sigkill-'));
  const dbPath = join(dataDir, 'sluice.db');
  const args = [
    '--smtp',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    '--db',
    dbPath,
    '--log-level',
    'warn',
  ];
  const log = createIngestLog();
  let sluice: SluiceProcess | undefined;

  beforeAll(async () => {
    sluice = await spawnSluice(args);
  });
  afterAll(async () => {
    if (isRunning(sluice)) {
      sluice.child.kill('SIGKILL');
      await sluice.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(Array.from({ length: REPETITIONS }, (_, i) => i + 1))(
    'kill %i: acknowledged messages survive and the database is intact',
    async (repetition) => {
      // A failed repetition may have left no server running; every repetition needs one.
      if (!isRunning(sluice)) sluice = await spawnSluice(args);
      const running = sluice!;
      const generator = random.fork(`repetition ${repetition}`);
      const before = log.acknowledged.size;
      const clients = ingest({
        port: running.smtpPort,
        clients: CLIENTS,
        label: `r${repetition}`,
        random: generator,
        log,
        maxBody: 200 * 1024,
      });
      // The kill comes at a random moment once mail is flowing (on a loaded machine the
      // first messages can take a while), so that every repetition kills during ingest.
      await waitFor(() => log.acknowledged.size > before, 20_000);
      await sleep(generator.int(200, 700));
      running.child.kill('SIGKILL');
      expect(await running.exited).toBe('SIGKILL');
      await clients;
      expect(log.acknowledged.size, 'messages acknowledged before the kill').toBeGreaterThan(
        before,
      );

      expect(integrityCheck(dbPath)).toBe('ok');

      sluice = await spawnSluice(args);
      for (const [id, sent] of log.acknowledged) {
        const stored = await rawOf(sluice, id);
        expect(stored, `acknowledged message ${id} is missing`).not.toBeNull();
        expect(stored!.equals(sent), `acknowledged message ${id} differs`).toBe(true);
      }
    },
  );

  it('stored nothing partial, and the last restart shuts down cleanly', async () => {
    if (!isRunning(sluice)) sluice = await spawnSluice(args);
    const running = sluice;
    const base = `http://127.0.0.1:${running.httpPort}`;
    let cursor: number | null = null;
    let checked = 0;
    do {
      const page = (await (
        await fetch(`${base}/api/messages?limit=500${cursor ? `&before=${cursor}` : ''}`)
      ).json()) as { messages: Array<{ id: number; subject: string }>; nextCursor: number | null };
      for (const summary of page.messages) {
        // Every stored message is one that was sent, whole, acknowledged or not.
        const sent = log.sent.get(summary.subject);
        expect(sent, `stored message ${summary.id} was never sent`).toBeDefined();
        expect((await rawOf(running, summary.id))!.equals(sent!), `message ${summary.id}`).toBe(
          true,
        );
        checked++;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(checked).toBeGreaterThanOrEqual(log.acknowledged.size);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(integrityCheck(dbPath)).toBe('ok');
  });
});
