import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { launchBrowser, openInbox, SCREENSHOT_DIR, sendMail } from './browser.js';
import { EVERYDAY, welcomeMail } from './samples.js';

// Pictures for a person to review (test-output/ is not committed). Each shot also checks
// that the thing it shows is on screen, so a blank page cannot pass.
describe('screenshots', () => {
  let browser: Browser;
  let sluice: TestSluice;
  const shot = (name: string) => join(SCREENSHOT_DIR, `${name}.png`);

  beforeAll(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    browser = await launchBrowser();
    sluice = await startSluice();
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.close();
  });

  it('empty state with connect snippets', async () => {
    const { context, page, errors } = await openInbox(browser, sluice);
    await page.locator('.snippet-code').waitFor();
    expect(await page.locator('.snippet-code').textContent()).toContain(
      `EMAIL_PORT = ${sluice.smtpPort}`,
    );
    await page.screenshot({ path: shot('empty-state') });
    await page.locator('[data-snippet="node"]').click();
    await page.screenshot({ path: shot('empty-state-node') });
    await page.locator('[data-snippet-mode="starttls"]').click();
    expect(await page.locator('.snippet-code').textContent()).toContain(
      `port: ${sluice.starttlsPort},`,
    );
    expect(await page.locator('[data-snippet-note]').textContent()).toContain(
      'NODE_EXTRA_CA_CERTS=',
    );
    await page.screenshot({ path: shot('empty-state-node-starttls') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('inbox, message and dark mode', async () => {
    for (const mail of EVERYDAY) await sendMail(sluice, mail);
    const welcome = await sendMail(sluice, welcomeMail());
    const { context, page, errors } = await openInbox(browser, sluice);
    await page.locator('.row', { hasText: 'Welcome to Acme Cloud' }).waitFor();
    await page.screenshot({ path: shot('inbox') });

    await page.locator('.row', { hasText: 'Welcome to Acme Cloud' }).click();
    const frame = page.frameLocator('iframe.html-frame');
    await frame.locator('#greeting').waitFor();
    await page.screenshot({ path: shot('message') });

    await page.locator('[data-width="phone"]').click();
    await page.screenshot({ path: shot('message-phone-width') });
    await page.locator('[data-width="full"]').click();
    await page.locator('[data-tab="attachments"]').click();
    await page.locator('.attachment img').first().waitFor();
    await page.screenshot({ path: shot('message-attachments') });
    await page.locator('[data-tab="envelope"]').click();
    await page.screenshot({ path: shot('message-envelope') });
    await page.locator('[data-tab="headers"]').click();
    await page.screenshot({ path: shot('message-headers') });
    await page.locator('[data-tab="source"]').click();
    await page.locator('.source-body').waitFor();
    await page.screenshot({ path: shot('message-source') });
    await page.keyboard.press('?');
    await page.locator('[role="dialog"]').waitFor();
    await page.screenshot({ path: shot('shortcuts') });
    await page.keyboard.press('Escape');
    await page.locator('.search input').fill('from:shop.test');
    await page.locator('.search-count', { hasText: '2 matches' }).waitFor();
    await page.screenshot({ path: shot('search') });
    await page.locator('.search .clear').click();
    await page.locator('.row', { hasText: 'Welcome to Acme Cloud' }).click();
    await page.locator('[data-tab="html"]').click();

    await page.locator('[data-action="theme"]').click();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.dataset.theme))
      .toBe('dark');
    await frame.locator('#greeting').waitFor();
    await page.screenshot({ path: shot('dark-message') });
    await page.goto(`${sluice.baseUrl}/#/`);
    await page.locator('.row').first().waitFor();
    await page.screenshot({ path: shot('dark-inbox') });
    expect(errors).toEqual([]);
    await context.close();

    const phone = await openInbox(browser, sluice, { width: 390, height: 780 });
    await phone.page.locator('.row').first().waitFor();
    await phone.page.screenshot({ path: shot('phone-inbox') });
    await phone.page.goto(`${sluice.baseUrl}/#/message/${welcome}`);
    await phone.page.frameLocator('iframe.html-frame').locator('#greeting').waitFor();
    await phone.page.screenshot({ path: shot('phone-message') });
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});
