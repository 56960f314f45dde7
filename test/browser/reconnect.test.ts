import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectRows, launchBrowser, openInbox, SCREENSHOT_DIR, sendMail } from './browser.js';

describe('reconnecting after a server restart', () => {
  let browser: Browser;
  let dataDir: string;
  const running: TestSluice[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-reconnect-'));
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
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

    // On a phone the sidebar with the status dot is folded away; the banner is not.
    const phone = await openInbox(browser, first, { width: 390, height: 844 });
    const banners = [page, phone.page].map((p) =>
      p.getByRole('status').filter({ hasText: 'Reconnecting' }),
    );
    expect(await banners[0]!.count()).toBe(0);

    await sendMail(first, { subject: 'Before the restart', text: 'a' });
    await sendMail(first, { subject: 'Deleted while away', text: 'b' });
    await expectRows(page, ['Deleted while away', 'Before the restart']);

    await first.close();
    running.pop();
    await expect.poll(() => status.getAttribute('data-status')).toBe('reconnecting');
    for (const banner of banners) await banner.waitFor({ state: 'visible' });
    await phone.page.screenshot({ path: join(SCREENSHOT_DIR, 'phone-reconnecting.png') });

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
    for (const banner of banners) await banner.waitFor({ state: 'detached' });
    await sendMail(second, { subject: 'Once live again', text: 'd' });
    await expectRows(page, ['Once live again', 'Right after the restart', 'Before the restart']);
    expect(await page.locator('.list-title .muted').textContent()).toContain('3 messages');
    await expect.poll(() => page.title()).toBe('(3) Sluice');
    expect(errors).toEqual([]);
    expect(phone.errors).toEqual([]);
    await context.close();
    await phone.context.close();
  });
});
