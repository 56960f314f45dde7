import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectMissingPartsAre404 } from './check.js';
import { ProcessMonitor, STALL_LIMIT_MS } from './monitor.js';
import { loadRegressions, regressionFixture, type Regression } from './regressions.js';
import { sendRaw } from './wire.js';

// Replays every input in test/fixtures/regressions/ that once broke Sluice (each found by
// the fuzz and fault tests; see regressions.json). An `open` bug is expected to fail here
// (it.fails): when it is fixed this test turns red, and the fix sets its status to
// `fixed` so that it is checked for good from then on.

interface Detail {
  snippet: string;
  html: string | null;
  parts: Array<{ partId: string; contentId: string | null }>;
}

async function expectReplayed(sluice: TestSluice, monitor: ProcessMonitor, entry: Regression) {
  const raw = regressionFixture(entry.file);
  monitor.resetStall();
  const reply = await sendRaw(sluice.smtpPort, raw);
  expect(reply.code, reply.text).toBe(250);
  const id = reply.id!;
  expect(monitor.longestStallMs, 'longest event-loop stall (ms)').toBeLessThan(STALL_LIMIT_MS);

  const stored = Buffer.from(await (await sluice.api(`/api/messages/${id}/raw`)).arrayBuffer());
  expect(stored.equals(raw), 'raw bytes equal the fixture').toBe(true);
  const detail = await sluice.getJson<Detail>(`/api/messages/${id}`);
  expect((await sluice.api(`/api/messages/${id}/html`)).status).toBe(detail.html ? 200 : 404);
  for (const part of detail.parts) {
    const byId = await sluice.api(`/api/messages/${id}/parts/${part.partId}`);
    expect(byId.status, `part ${part.partId}: ${await byId.clone().text()}`).toBe(200);
    if (part.contentId === null) continue;
    const byCid = await sluice.api(`/api/messages/${id}/cid/${encodeURIComponent(part.contentId)}`);
    expect(byCid.status, `cid ${part.contentId}`).toBe(200);
  }
  await expectMissingPartsAre404(sluice, id, detail.parts.length, entry.file);
  if (entry.expect?.snippetIncludes) expect(detail.snippet).toContain(entry.expect.snippetIncludes);
  if (entry.expect?.searchFinds) {
    const found = await sluice.getJson<{ messages: Array<{ id: number }> }>(
      `/api/search?query=${encodeURIComponent(entry.expect.searchFinds)}`,
    );
    expect(found.messages.map((m) => m.id)).toContain(id);
  }
}

describe('regression fixtures', () => {
  let sluice: TestSluice;
  let monitor: ProcessMonitor;
  beforeAll(async () => {
    sluice = await startSluice();
    monitor = new ProcessMonitor();
  });
  afterAll(async () => {
    monitor?.stop();
    await sluice?.close();
  });

  const entries = loadRegressions().filter((entry) => entry.replay);
  it('has fixtures to replay', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  for (const entry of entries) {
    const test = entry.status === 'open' ? it.fails : it;
    test(`${entry.file} (${entry.status})`, () => expectReplayed(sluice, monitor, entry));
  }
});
