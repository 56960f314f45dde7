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
  let otherDataDir: string;
  const running: TestSluice[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-reconnect-'));
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    otherDataDir = mkdtempSync(join(tmpdir(), 'sluice-reconnect-other-'));
  });
  afterAll(async () => {
    await browser?.close();
    for (const sluice of running) await sluice.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(otherDataDir, { recursive: true, force: true });
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
    // The count follows the rows in a later render: wait for it as for them.
    await expect
      .poll(() => page.locator('.list-title .muted').textContent())
      .toContain('3 messages');
    await expect.poll(() => page.title()).toBe('(3) Sluice');
    expect(errors).toEqual([]);
    expect(phone.errors).toEqual([]);
    await context.close();
    await phone.context.close();
  });

  it('starts over when the restarted server has another database', async () => {
    // Issue 10: ids only mean something within one database. After a restart on another
    // file (or on :memory:), the old resume point either lies above every new id or names
    // a new message; the inbox must show the new mailbox exactly, even a message whose id
    // it saw deleted before.
    const first = await startSluice([], { dataDir: otherDataDir });
    running.push(first);
    const ports = [
      '--smtp',
      `127.0.0.1:${first.smtpPort}`,
      '--http',
      `127.0.0.1:${new URL(first.baseUrl).port}`,
    ];
    const { page, errors, context } = await openInbox(browser, first);
    const status = page.locator('.status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('live');
    for (const subject of ['Old one', 'Old two', 'Old three'])
      await sendMail(first, { subject, text: 'x' });
    await expectRows(page, ['Old three', 'Old two', 'Old one']);
    const two = (await first.getJson('/api/search?query=subject:"old two"')).messages[0].id;
    await first.api('/api/messages/delete', { json: { ids: [two] } });
    await expectRows(page, ['Old three', 'Old one']);

    await first.close();
    running.pop();
    await expect.poll(() => status.getAttribute('data-status')).toBe('reconnecting');
    const second = await startSluice([...ports, '--db', ':memory:']);
    running.push(second);
    for (const subject of ['New one', 'New two', 'New three'])
      await sendMail(second, { subject, text: 'y' });
    expect((await second.getJson('/api/search?query=subject:"new two"')).messages[0].id).toBe(two);

    await expect.poll(() => status.getAttribute('data-status'), { timeout: 10_000 }).toBe('live');
    await expectRows(page, ['New three', 'New two', 'New one']);
    await sendMail(second, { subject: 'New four', text: 'z' });
    await expectRows(page, ['New four', 'New three', 'New two', 'New one']);
    await expect.poll(() => page.title()).toBe('(4) Sluice');
    expect(errors).toEqual([]);
    await context.close();
  });
});
