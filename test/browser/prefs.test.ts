import { describe, expect, it } from 'vitest';
import { openInbox, useBrowserAndSluice } from './browser.js';

const background = () => getComputedStyle(document.body).backgroundColor;

describe('preferences', () => {
  const started = useBrowserAndSluice();

  it('follows the system theme, and remembers the toggle', async () => {
    const { browser, sluice } = started;
    const light = await openInbox(browser, sluice, { colorScheme: 'light' });
    const dark = await openInbox(browser, sluice, { colorScheme: 'dark' });
    const lightBg = await light.page.evaluate(background);
    const darkBg = await dark.page.evaluate(background);
    expect(lightBg).toBe('rgb(255, 255, 255)');
    expect(darkBg).not.toBe(lightBg);

    await light.page.locator('[data-action="theme"]').click();
    await expect.poll(() => light.page.evaluate(background)).toBe(darkBg);
    await light.page.reload();
    await light.page.locator('.app').waitFor();
    expect(await light.page.evaluate(background)).toBe(darkBg);
    // Toggling back to what the system has forgets the choice.
    await light.page.locator('[data-action="theme"]').click();
    await expect.poll(() => light.page.evaluate(background)).toBe(lightBg);
    expect(await light.page.evaluate(() => localStorage.getItem('sluice.theme'))).toBeNull();
    expect([...light.errors, ...dark.errors]).toEqual([]);
    await light.context.close();
    await dark.context.close();
  });

  it('turns desktop notifications on only when asked, and remembers it', async () => {
    const { browser, sluice } = started;
    const inbox = await openInbox(browser, sluice);
    await inbox.context.grantPermissions(['notifications']);
    const bell = inbox.page.locator('[data-action="notifications"]');
    expect(await bell.getAttribute('aria-pressed')).toBe('false');
    await bell.click();
    await expect.poll(() => bell.getAttribute('aria-pressed')).toBe('true');
    await inbox.page.reload();
    await expect.poll(() => bell.getAttribute('aria-pressed')).toBe('true');
    await bell.click();
    await expect.poll(() => bell.getAttribute('aria-pressed')).toBe('false');
    expect(inbox.errors).toEqual([]);
    await inbox.context.close();
  });
});
