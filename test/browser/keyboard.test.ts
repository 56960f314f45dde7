import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectRows, launchBrowser, openInbox, sendMail } from './browser.js';

describe('keyboard', () => {
  let browser: Browser;
  let sluice: TestSluice;
  beforeAll(async () => {
    browser = await launchBrowser();
    sluice = await startSluice();
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.close();
  });

  it('j/k and arrows move, Enter opens, u toggles read, Delete deletes, / searches, ? helps, Esc closes', async () => {
    const ids: number[] = [];
    for (const n of [1, 2, 3, 4])
      ids.push(await sendMail(sluice, { subject: `Message ${n}`, text: `body ${n}` }));
    const { page, errors, context } = await openInbox(browser, sluice);
    await expectRows(page, ['Message 4', 'Message 3', 'Message 2', 'Message 1']);
    const cursor = () => page.locator('.row[aria-selected="true"] .row-subject').textContent();
    const hash = () => new URL(page.url()).hash;

    await expect.poll(cursor).toBe('Message 4');
    // The cursor moves on the next render, so each step waits for it rather than reading once.
    await page.keyboard.press('j');
    await expect.poll(cursor).toBe('Message 3');
    await page.keyboard.press('ArrowDown');
    await expect.poll(cursor).toBe('Message 2');
    await page.keyboard.press('k');
    await expect.poll(cursor).toBe('Message 3');
    await page.keyboard.press('ArrowUp');
    await expect.poll(cursor).toBe('Message 4');
    await page.keyboard.press('j');
    await expect.poll(cursor).toBe('Message 3');

    await page.keyboard.press('Enter');
    await page.locator('.viewer-subject', { hasText: 'Message 3' }).waitFor();
    expect(hash()).toBe(`#/message/${ids[2]}`);
    await expect
      .poll(async () => (await sluice.getJson(`/api/messages/${ids[2]}`)).read)
      .toBe(true);

    // With a message open, j/k walk through messages.
    await page.keyboard.press('j');
    await page.locator('.viewer-subject', { hasText: 'Message 2' }).waitFor();
    await page.keyboard.press('k');
    await page.locator('.viewer-subject', { hasText: 'Message 3' }).waitFor();

    await page.keyboard.press('u');
    await expect
      .poll(async () => (await sluice.getJson(`/api/messages/${ids[2]}`)).read)
      .toBe(false);
    await page.keyboard.press('u');
    await expect
      .poll(async () => (await sluice.getJson(`/api/messages/${ids[2]}`)).read)
      .toBe(true);

    await page.keyboard.press('Delete');
    await expectRows(page, ['Message 4', 'Message 2', 'Message 1']);
    await page.locator('.viewer-subject', { hasText: 'Message 2' }).waitFor();
    expect((await sluice.api(`/api/messages/${ids[2]}`)).status).toBe(404);

    await page.keyboard.press('Escape');
    await expect.poll(hash).toBe('#/');
    await page.locator('.no-selection').waitFor();

    await page.keyboard.press('?');
    await page.locator('[role="dialog"]', { hasText: 'Keyboard shortcuts' }).waitFor();
    // Keys other than Escape do nothing under a dialog.
    await page.keyboard.press('j');
    expect(await cursor()).toBe('Message 2');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[role="dialog"]').count()).toBe(0);

    await page.keyboard.press('/');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Search messages');
    await page.keyboard.type('Message 1');
    await expectRows(page, ['Message 1']);
    // Typing in the search box is not a shortcut.
    expect(await page.locator('.search input').inputValue()).toBe('Message 1');
    await page.keyboard.press('Escape');
    await expectRows(page, ['Message 4', 'Message 2', 'Message 1']);
    expect(errors).toEqual([]);
    await context.close();
  });
});
