import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectRows, launchBrowser, openInbox, sendMail, type InboxPage } from './browser.js';
import { EVERYDAY } from './samples.js';

/** Subjects of EVERYDAY as the inbox lists them: newest first. */
const NEWEST_FIRST = EVERYDAY.map((m) => m.subject as string).reverse();

describe('search and actions', () => {
  let browser: Browser;
  let sluice: TestSluice;
  let inbox: InboxPage;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    sluice = await startSluice();
    for (const mail of EVERYDAY) await sendMail(sluice, mail);
    inbox = await openInbox(browser, sluice);
    await expectRows(inbox.page, NEWEST_FIRST);
  });
  afterEach(async () => {
    expect(inbox.errors).toEqual([]);
    await inbox.context.close();
    await sluice.close();
  });

  it('search narrows the list as you type, shows the count, and clearing returns to the inbox', async () => {
    const { page } = inbox;
    const box = page.locator('.search input');
    await box.pressSequentially('invoice');
    await expectRows(page, ['Your invoice #1042 is ready']);
    await expect.poll(() => page.locator('.search-count').textContent()).toBe('1 match');
    await expect.poll(() => decodeURIComponent(new URL(page.url()).hash)).toBe('#/search/invoice');

    // The API's operators work as typed.
    await box.fill('from:shop.test');
    await expectRows(page, ['Order #58213 shipped 📦', 'Your invoice #1042 is ready']);
    await expect.poll(() => page.locator('.search-count').textContent()).toBe('2 matches');

    await box.fill('nothing-matches-this');
    await page.locator('.list-empty', { hasText: 'No messages match' }).waitFor();

    await page.locator('.search .clear').click();
    await expectRows(page, NEWEST_FIRST);
    await expect.poll(() => new URL(page.url()).hash).toBe('#/');
    await expect.poll(() => page.locator('.search-count').count()).toBe(0);
  });

  it('a search view picks up new matching mail live and ignores the rest', async () => {
    const { page } = inbox;
    await page.locator('.search input').fill('subject:deploy');
    await expectRows(page, ['Re: staging deploy checklist']);
    await sendMail(sluice, { subject: 'Unrelated newsletter', text: 'x' });
    await sendMail(sluice, { subject: 'Deploy to production done', text: 'y' });
    await expectRows(page, ['Deploy to production done', 'Re: staging deploy checklist']);
    await expect.poll(() => page.locator('.search-count').textContent()).toBe('2 matches');
  });

  it('deletes one message, and another open inbox sees it go', async () => {
    const { page } = inbox;
    const other = await openInbox(browser, sluice);
    await expectRows(other.page, NEWEST_FIRST);

    await page.locator('.row', { hasText: 'Reset your password' }).click();
    await page.locator('.viewer-subject', { hasText: 'Reset your password' }).waitFor();
    await page.locator('.viewer-actions [aria-label="Delete message"]').click();
    const remaining = NEWEST_FIRST.filter((s) => s !== 'Reset your password');
    await expectRows(page, remaining);
    await expectRows(other.page, remaining);
    const { total } = await sluice.getJson('/api/messages');
    expect(total).toBe(EVERYDAY.length - 1);
    // The next (older) message opens in its place.
    await page.locator('.viewer-subject', { hasText: 'Your invoice #1042 is ready' }).waitFor();
    expect(other.errors).toEqual([]);
    await other.context.close();
  });

  it('delete all asks first, then empties the inbox and shows how to connect', async () => {
    const { page } = inbox;
    await page.locator('[data-action="delete-view"]').click();
    const dialog = page.locator('[role="dialog"]');
    expect(await dialog.textContent()).toContain(`all ${EVERYDAY.length} messages`);
    await dialog.locator('button', { hasText: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await sluice.getJson('/api/messages')).total).toBe(EVERYDAY.length);

    await page.locator('[data-action="delete-view"]').click();
    await dialog.locator('button', { hasText: 'Delete all' }).click();
    await page.locator('.empty h2', { hasText: 'No mail yet' }).waitFor();
    expect((await sluice.getJson('/api/messages')).total).toBe(0);
    expect(await page.locator('.snippet-code').textContent()).toContain(
      `EMAIL_PORT = ${sluice.smtpPort}`,
    );

    // New mail after a delete-all shows up as usual.
    await sendMail(sluice, { subject: 'After the purge', text: 'hello again' });
    await expectRows(page, ['After the purge']);
  });

  it('"delete search results" deletes only what the search matches', async () => {
    const { page } = inbox;
    await page.locator('.search input').fill('from:shop.test');
    await expectRows(page, ['Order #58213 shipped 📦', 'Your invoice #1042 is ready']);
    await page.locator('[data-action="delete-view"]').click();
    const dialog = page.locator('[role="dialog"]');
    expect(await dialog.textContent()).toContain('2 messages matching “from:shop.test”');
    await dialog.locator('button', { hasText: 'Delete 2' }).click();
    await page.locator('.list-empty').waitFor();
    await page.locator('.search .clear').click();
    await expectRows(
      page,
      NEWEST_FIRST.filter((s) => !/invoice|shipped/.test(s)),
    );
    expect((await sluice.getJson('/api/messages')).total).toBe(EVERYDAY.length - 2);
  });

  it('marks read and unread, and mark-all-read clears the count', async () => {
    const { page } = inbox;
    const row = page.locator('.row', { hasText: 'Build failed' });
    await row.click();
    await expect.poll(() => row.getAttribute('class')).toContain(' read');
    const id = Number(await row.getAttribute('data-id'));
    await page.locator('.viewer-actions [aria-label="Mark unread"]').click();
    await expect.poll(() => row.getAttribute('class')).toContain('unread');
    await expect.poll(async () => (await sluice.getJson(`/api/messages/${id}`)).read).toBe(false);
    await expect.poll(() => page.title()).toBe(`(${EVERYDAY.length}) Sluice`);

    await page.locator('[aria-label="Mark all read"]').click();
    await expect.poll(() => page.title()).toBe('Sluice');
    await expect.poll(() => page.locator('.row.unread').count()).toBe(0);
    expect((await sluice.getJson('/api/messages')).unread).toBe(0);
  });
});
