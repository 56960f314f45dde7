import { describe, expect, it } from 'vitest';
import { expectRows, openInbox, sendMail, useBrowserAndSluice } from './browser.js';

describe('keyboard', () => {
  const started = useBrowserAndSluice();

  it('j/k and arrows move, Enter opens, u toggles read, Delete deletes, / searches, ? helps, Esc closes', async () => {
    const { browser, sluice } = started;
    const ids: number[] = [];
    for (const n of [1, 2, 3, 4])
      ids.push(await sendMail(sluice, { subject: `Message ${n}`, text: `body ${n}` }));
    const { page, errors, context } = await openInbox(browser, sluice);
    await expectRows(page, ['Message 4', 'Message 3', 'Message 2', 'Message 1']);
    const cursor = () => page.locator('.row[aria-selected="true"] .row-subject').textContent();
    const hash = () => new URL(page.url()).hash;

    // A key press returns before the inbox has rendered its effect: wait for each move.
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

    // Each toggle shows in the list and reaches the server before the next: the second
    // toggles what the first left, whichever arrives first. (This failed once under load
    // when the poll's deadline was vitest's default 1 s: see vitest.config.ts.)
    const serverRead = async () => (await sluice.getJson(`/api/messages/${ids[2]}`)).read;
    const listRead = async () =>
      !(await page.locator(`.row[data-id="${ids[2]}"]`).getAttribute('class'))!.includes('unread');
    await page.keyboard.press('u');
    await expect.poll(listRead).toBe(false);
    await expect.poll(serverRead).toBe(false);
    await page.keyboard.press('u');
    await expect.poll(listRead).toBe(true);
    await expect.poll(serverRead).toBe(true);

    await page.keyboard.press('Delete');
    await expectRows(page, ['Message 4', 'Message 2', 'Message 1']);
    await page.locator('.viewer-subject', { hasText: 'Message 2' }).waitFor();
    expect((await sluice.api(`/api/messages/${ids[2]}`)).status).toBe(404);

    await page.keyboard.press('Escape');
    await expect.poll(hash).toBe('#/');
    await page.locator('.no-selection').waitFor();

    await page.keyboard.press('?');
    await page.locator('[role="dialog"]', { hasText: 'Keyboard shortcuts' }).waitFor();
    // Keys other than Escape do nothing under a dialog. Keys are handled in order, so once
    // the Escape after it has closed the dialog, the j has been handled too.
    await page.keyboard.press('j');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[role="dialog"]').count()).toBe(0);
    expect(await cursor()).toBe('Message 2');

    await page.keyboard.press('/');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Search messages');
    await page.keyboard.type('Message 1');
    await expectRows(page, ['Message 1']);
    // Typing in the search box is not a shortcut.
    await expect.poll(() => page.locator('.search input').inputValue()).toBe('Message 1');
    await page.keyboard.press('Escape');
    await expectRows(page, ['Message 4', 'Message 2', 'Message 1']);
    expect(errors).toEqual([]);
    await context.close();
  });
});
