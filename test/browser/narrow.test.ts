import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestSluice } from '../helpers/sluice.js';
import { FAST_RETRY, startRelaySluice, tempDir } from '../relay/support.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';
import {
  expectRows,
  launchBrowser,
  openInbox,
  SCREENSHOT_DIR,
  sendMail,
  type InboxPage,
} from './browser.js';
import { welcomeMail } from './samples.js';

// The inbox on a phone (390 × 844, an iPhone 12-15): every view is reachable from a menu,
// by touch, keyboard and screen reader, and nothing in the top bar is cut off.

const PHONE = { width: 390, height: 844 };

let browser: Browser;
const dir = tempDir();
let upstream: TestUpstream;
let sluice: TestSluice;
let inbox: InboxPage | undefined;

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  browser = await launchBrowser();
  upstream = await TestUpstream.start({ certificate: await createCertificate() });
  sluice = await startRelaySluice(dir, {
    upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
    rules: [{ name: 'approval', match: { recipient: '*@hold.example' }, action: 'hold' }],
    retry: FAST_RETRY,
  });
  await sendMail(sluice, { subject: 'Plain note', text: 'no attachment', to: 'ann@example.com' });
  await sendMail(sluice, welcomeMail());
});
afterAll(async () => {
  await browser?.close();
  await sluice?.close();
  await upstream?.close();
  dir.remove();
});
afterEach(async () => {
  expect(inbox?.errors ?? []).toEqual([]);
  await inbox?.context.close();
  inbox = undefined;
});

/** Whether the element's box lies wholly inside the viewport (not clipped, not pushed off). */
async function fullyOnScreen(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).boundingBox();
  const viewport = page.viewportSize()!;
  return (
    box !== null &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= viewport.width &&
    box.y + box.height <= viewport.height
  );
}

describe('at phone width', () => {
  it('reaches Unread, Attachments and Outbox from the menu, by touch', async () => {
    inbox = await openInbox(browser, sluice, PHONE);
    const { page } = inbox;
    await expectRows(page, ['Welcome to Acme Cloud, Dana', 'Plain note']);
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');

    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    const views = page.getByRole('navigation', { name: 'Views' });
    await views.getByRole('link', { name: 'Attachments' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'phone-menu.png') });
    await views.getByRole('link', { name: 'Attachments' }).click();
    await expectRows(page, ['Welcome to Acme Cloud, Dana']);
    // Choosing a view closes the menu.
    await views.waitFor({ state: 'hidden' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');

    await menu.click();
    await views.getByRole('link', { name: /^Unread/ }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/search/is%3Aunread');

    await menu.click();
    await views.getByRole('link', { name: 'Outbox' }).click();
    await page.locator('.outbox h2', { hasText: 'Outbox' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/outbox');

    // Turned to landscape on a tablet, the sidebar shows itself and the drawer is gone, so
    // nothing open keeps the keyboard shortcuts off.
    await menu.click();
    await views.waitFor();
    await page.setViewportSize({ width: 1360, height: 844 });
    // (Hidden at this width, so found by its class rather than its role.)
    const hiddenMenu = page.locator('.topbar [aria-controls="sidebar"]');
    await expect.poll(() => hiddenMenu.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('.drawer-backdrop').count()).toBe(0);
  });

  it('opens and closes the menu from the keyboard, and Escape gives focus back', async () => {
    inbox = await openInbox(browser, sluice, PHONE);
    const { page } = inbox;
    await expectRows(page, ['Welcome to Acme Cloud, Dana', 'Plain note']);
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.focus();
    await page.keyboard.press('Enter');
    const views = page.getByRole('navigation', { name: 'Views' });
    await views.waitFor();
    // Focus moves into the menu, on the view shown now.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent))
      .toMatch(/^Inbox/);
    // j/k do not move the list's cursor behind the open menu.
    await page.keyboard.press('j');
    expect(await page.locator('.row[aria-selected="true"] .row-subject').textContent()).toBe(
      'Welcome to Acme Cloud, Dana',
    );
    await page.keyboard.press('Escape');
    await views.waitFor({ state: 'hidden' });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Menu');

    // Tab to a view and Enter follows it.
    const focused = () => page.evaluate(() => document.activeElement?.textContent);
    await page.keyboard.press('Enter');
    await views.waitFor();
    await expect.poll(focused).toMatch(/^Inbox/);
    await page.keyboard.press('Tab');
    await expect.poll(focused).toMatch(/^Unread/);
    await page.keyboard.press('Tab');
    await expect.poll(focused).toBe('Attachments');
    await page.keyboard.press('Enter');
    await expectRows(page, ['Welcome to Acme Cloud, Dana']);
    await views.waitFor({ state: 'hidden' });
  });

  it('keeps every top bar button on screen after a search', async () => {
    inbox = await openInbox(browser, sluice, PHONE);
    const { page } = inbox;
    await expectRows(page, ['Welcome to Acme Cloud, Dana', 'Plain note']);
    for (const button of ['Menu', 'Keyboard shortcuts', 'Toggle theme'])
      expect(await fullyOnScreen(page, `.topbar [aria-label="${button}"]`), button).toBe(true);

    await page.locator('.search input').fill('subject:welcome');
    await expectRows(page, ['Welcome to Acme Cloud, Dana']);
    await page.locator('.search .clear').waitFor();
    for (const button of ['Menu', 'Keyboard shortcuts', 'Toggle theme', 'Clear search'])
      expect(await fullyOnScreen(page, `.topbar [aria-label="${button}"]`), button).toBe(true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'phone-search.png') });
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await page.locator('[role="dialog"]', { hasText: 'Keyboard shortcuts' }).waitFor();
  });

  // Last: the held message it sends would be a third row in the tests above.
  it('shows the outbox as cards that fit the screen, with every action in reach', async () => {
    await sendMail(sluice, { subject: 'Needs approval', text: 'held', to: 'lee@hold.example' });
    inbox = await openInbox(browser, sluice, { ...PHONE, hash: '#/outbox' });
    const { page } = inbox;
    const row = page.locator('.outbox-table tr[data-state="held"]');
    await row.waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'phone-outbox.png') });
    const scroll = page.locator('.outbox .scroll');
    expect(await scroll.evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
    for (const name of ['Approve', 'Reject'])
      expect(await fullyOnScreen(page, `tr[data-state="held"] button:text-is("${name}")`)).toBe(
        true,
      );
    await expect
      .poll(() => row.locator('td[data-label="Recipient"]').textContent())
      .toContain('lee@hold.example');
    // The labels the table's header gave on a wide screen are beside each value instead.
    const label = await row
      .locator('td[data-label="State"]')
      .evaluate((el) => getComputedStyle(el, '::before').content);
    expect(label).toBe('"State"');
  });
});
