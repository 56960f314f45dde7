import { createTransport } from 'nodemailer';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { launchBrowser, openInbox } from './browser.js';

const COUNT = 260;

describe('a long mailbox', () => {
  let browser: Browser;
  let sluice: TestSluice;
  beforeAll(async () => {
    browser = await launchBrowser();
    sluice = await startSluice();
    // One pooled connection: 260 messages in well under a second or two.
    const transport = createTransport({
      host: '127.0.0.1',
      port: sluice.smtpPort,
      pool: true,
      maxConnections: 2,
      ignoreTLS: true,
    });
    try {
      await Promise.all(
        Array.from({ length: COUNT }, (_, i) =>
          transport.sendMail({
            from: 'load@example.com',
            to: 'dev@example.com',
            subject: `Bulk ${String(i + 1).padStart(3, '0')}`,
            text: `message ${i + 1}`,
          }),
        ),
      );
    } finally {
      transport.close();
    }
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.close();
  });

  it('renders only the visible rows and fetches older pages as you scroll', async () => {
    const { page, errors, context } = await openInbox(browser, sluice);
    const rows = page.locator('.list .row');
    await rows.first().waitFor();
    await expect
      .poll(() => page.locator('.list-title .muted').textContent())
      .toContain(`${COUNT} messages`);
    // A virtual list: a screenful plus a little overscan, not hundreds of rows.
    const rendered = await rows.count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(40);

    // Scroll to the bottom repeatedly; each time the list grows by a page until the end.
    const list = page.locator('.list');
    await expect
      .poll(
        async () => {
          await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
          return page.locator('.row-subject', { hasText: 'Bulk 001' }).count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    expect(await rows.count()).toBeLessThan(40);
    expect(await page.locator('.list-more').count()).toBe(0);
    // The list holds all of them: its height is COUNT rows.
    const height = await page
      .locator('.list-content')
      .evaluate((el) => el.getBoundingClientRect().height);
    expect(height).toBe(COUNT * 72);
    expect(errors).toEqual([]);
    await context.close();
  });
});
