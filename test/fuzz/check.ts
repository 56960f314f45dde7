import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { TestSluice } from '../helpers/sluice.js';
import { isOpen, knownOpenPartBug } from './regressions.js';

interface Detail {
  id: number;
  size: number;
  parseError: boolean;
  parts: Array<{
    partId: string;
    contentType: string;
    filename: string | null;
    contentId: string | null;
  }>;
  html: string | null;
}

/**
 * Everything the API must still do for a message that was accepted: the detail answers
 * 200 and describes the whole message, the raw source is byte-identical to what was
 * sent, headers, HTML and the first parts answer, and the list shows it on top.
 * `label` names the input in every failure message.
 */
export async function expectStoredIntact(
  sluice: TestSluice,
  id: number,
  sent: Buffer,
  label: string,
): Promise<void> {
  const detailResponse = await sluice.api(`/api/messages/${id}`);
  expect(detailResponse.status, `${label}: detail`).toBe(200);
  const detail = (await detailResponse.json()) as Detail;
  expect(detail.size, `${label}: size`).toBe(sent.length);

  const rawResponse = await sluice.api(`/api/messages/${id}/raw`);
  expect(rawResponse.status, `${label}: raw`).toBe(200);
  const raw = Buffer.from(await rawResponse.arrayBuffer());
  // Not toEqual on megabyte buffers: its diff of a mismatch would be unreadable.
  expect(raw.length, `${label}: raw length`).toBe(sent.length);
  expect(raw.equals(sent), `${label}: raw bytes equal what was sent`).toBe(true);

  expect((await sluice.api(`/api/messages/${id}/headers`)).status, `${label}: headers`).toBe(200);
  const html = await sluice.api(`/api/messages/${id}/html`);
  expect(html.status, `${label}: html`).toBe(detail.html === null ? 404 : 200);
  await html.body?.cancel();
  for (const part of detail.parts.slice(0, 3)) {
    if (knownOpenPartBug(part)) continue;
    const byId = await sluice.api(`/api/messages/${id}/parts/${part.partId}`);
    expect(byId.status, `${label}: part ${part.partId}`).toBe(200);
    await byId.body?.cancel();
    // No URL can carry a lone surrogate, so no client can ask for such a Content-ID.
    if (part.contentId === null || /\p{Cs}/u.test(part.contentId)) continue;
    const byCid = await sluice.api(`/api/messages/${id}/cid/${encodeURIComponent(part.contentId)}`);
    // Another part may carry the same Content-ID; then that one is served, still 200.
    expect(byCid.status, `${label}: cid ${part.contentId}`).toBe(200);
    await byCid.body?.cancel();
  }

  // A part the message does not have is a 404, also when the message could not be parsed.
  if (!(detail.parseError && isOpen('parts-of-unparsable-message.eml'))) {
    await expectMissingPartsAre404(sluice, id, detail.parts.length, label);
  }

  const list = await sluice.api('/api/messages?limit=5');
  expect(list.status, `${label}: list`).toBe(200);
  const page = (await list.json()) as { messages: Array<{ id: number }> };
  expect(page.messages[0]?.id, `${label}: newest in the list`).toBe(id);
}

export async function expectMissingPartsAre404(
  sluice: TestSluice,
  id: number,
  partCount: number,
  label: string,
): Promise<void> {
  for (const path of [`parts/${partCount + 1}`, 'cid/no-such-part%40sluice.test']) {
    const response = await sluice.api(`/api/messages/${id}/${path}`);
    expect(response.status, `${label}: ${path}`).toBe(404);
    await response.body?.cancel();
  }
}

export async function messageTotal(sluice: TestSluice): Promise<number> {
  return (await sluice.getJson<{ total: number }>('/api/messages?limit=1')).total;
}

/**
 * Keeps an input that failed in test-output/fuzz/ (ignored by git) and says where, so it
 * can be replayed and turned into a fixture in test/fixtures/regressions/.
 */
export function saveFailingInput(label: string, raw: Buffer): string {
  const dir = fileURLToPath(new URL('../../test-output/fuzz/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${label.replace(/[^\w.-]+/g, '-').slice(0, 80)}.eml`);
  writeFileSync(path, raw);
  return path;
}
