import { describe, expect, it } from 'vitest';
import { sendExact } from '../mail/smtp-send.js';
import { expectRows, openInbox, sendMail, useBrowserAndSluice } from './browser.js';

// A message Sluice could not fully make sense of is kept and shown like the rest, and says
// so: a mark in the list, and why in the message view.
describe('a message that could not be fully parsed', () => {
  const started = useBrowserAndSluice();

  it('is flagged in the list and explained in the message view', async () => {
    const { browser, sluice } = started;
    const cutShort = Buffer.from(
      [
        'From: Uploader <uploader@example.com>',
        'Subject: Cut short',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'The first part arrived.',
        '',
      ].join('\r\n'),
    );
    const { id } = await sendExact(
      sluice.smtpPort,
      { from: 'uploader@example.com', to: ['dev@example.com'] },
      cutShort,
    );
    await sendMail(sluice, { subject: 'Well formed', text: 'fine' });
    const { page, errors, context } = await openInbox(browser, sluice);
    await expectRows(page, ['Well formed', 'Cut short']);

    const flagged = page.locator('.row:has(.row-flag) .row-subject');
    expect(await flagged.allTextContents()).toEqual(['Cut short']);
    expect(await page.locator('.row-flag [role="img"]').getAttribute('aria-label')).toBe(
      'could not be fully parsed',
    );

    await page.locator(`.row[data-id="${id}"]`).click();
    await expect
      .poll(() => page.locator('.viewer .notice').textContent())
      .toBe(
        'This message could not be fully parsed: a multipart/mixed part never ends: its closing boundary is missing (cut short?)',
      );
    await page.locator('.viewer-subject', { hasText: 'Cut short' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
