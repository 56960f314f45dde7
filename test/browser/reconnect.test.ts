import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectRows, launchBrowser, openInbox, sendMail } from './browser.js';

describe('reconnecting after a server restart', () => {
  let browser: Browser;
  let dataDir: string;
  const running: TestSluice[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-reconnect-'));
  });
  afterAll(async () => {
    await browser?.close();
    for (const sluice of running) await sluice.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('misses nothing and duplicates nothing', async () => {
    const first = await startSluice([], { dataDir });
    running.push(first);
    const httpPort = new URL(first.baseUrl).port;
    const smtpPort = first.smtpPort;
    const { page, errors, context } = await openInbox(browser, first);
    const status = page.locator('.status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('live');

    await sendMail(first, { subject: 'Before the restart', text: 'a' });
    await sendMail(first, { subject: 'Deleted while away', text: 'b' });
    await expectRows(page, ['Deleted while away', 'Before the restart']);

    await first.close();
    running.pop();
    await expect.poll(() => status.getAttribute('data-status')).toBe('reconnecting');

    // Same ports and database, as a restarted `sluice` would have.
    const second = await startSluice(
      ['--smtp', `127.0.0.1:${smtpPort}`, '--http', `127.0.0.1:${httpPort}`],
      { dataDir },
    );
    running.push(second);
    expect(second.baseUrl).toBe(first.baseUrl);
    // Right away, most likely before the page has reconnected: either the replay after
    // Last-Event-ID and the refetch of the first page, or the live events, must show these.
    await sendMail(second, { subject: 'Right after the restart', text: 'c' });
    const doomed = (await second.getJson('/api/search?query=subject:away')).messages[0].id;
    await second.api('/api/messages/delete', { json: { ids: [doomed] } });

    await expect.poll(() => status.getAttribute('data-status'), { timeout: 10_000 }).toBe('live');
    await sendMail(second, { subject: 'Once live again', text: 'd' });
    await expectRows(page, ['Once live again', 'Right after the restart', 'Before the restart']);
    expect(await page.locator('.list-title .muted').textContent()).toContain('3 messages');
    await expect.poll(() => page.title()).toBe('(3) Sluice');
    expect(errors).toEqual([]);
    await context.close();
  });
});
