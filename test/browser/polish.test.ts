import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import {
  expectRows,
  htmlFrame,
  launchBrowser,
  openInbox,
  SCREENSHOT_DIR,
  sendMail,
  type InboxPage,
} from './browser.js';
import { Listener } from './listener.js';
import { welcomeMail } from './samples.js';

// What a new user stumbled on (issue 13): a search with a mistake, rows without a recipient,
// cut subjects, broken remote images, a missing Reply-To and an empty Attachments tab.

let browser: Browser;
let sluice: TestSluice;
let listener: Listener;
let inbox: InboxPage | undefined;

const LONG_SUBJECT =
  'Your quarterly statement for the Acme Cloud workspace "dana" is ready, with the March invoices and the usage report';

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  browser = await launchBrowser();
  sluice = await startSluice();
  listener = await Listener.start();
});
afterAll(async () => {
  await browser?.close();
  await sluice?.close();
  await listener?.close();
});
afterEach(async () => {
  expect(inbox?.errors ?? []).toEqual([]);
  await inbox?.context.close();
  inbox = undefined;
});

describe('a search with a mistake', () => {
  it('says once what is wrong in the query, and nothing about matches', async () => {
    await sendMail(sluice, { subject: 'Anything at all', text: 'x' });
    inbox = await openInbox(browser, sluice);
    const { page } = inbox;
    await expectRows(page, ['Anything at all']);

    await page.locator('.search input').fill('is:sleepy from:ann');
    const problem = page.getByRole('alert');
    await expect
      .poll(() => problem.textContent())
      .toContain('unknown is:sleepy; use has:attachment, is:read, is:unread or is:tagged');
    expect(await problem.count()).toBe(1);
    const text = await page.locator('.app').textContent();
    expect(text).not.toContain('matches');
    expect(text).not.toContain('No messages match');
    expect(text).not.toContain('Could not load messages');
    const input = page.locator('.search input');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await input.getAttribute('aria-describedby')).toBe(await problem.getAttribute('id'));
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'search-invalid.png') });

    // Corrected, the search runs and the message goes away.
    await input.fill('is:unread');
    await expectRows(page, ['Anything at all']);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await input.getAttribute('aria-invalid')).toBe('false');
  });
});

describe('the list and the message', () => {
  it('shows the recipient in each row and the whole subject as a tooltip', async () => {
    await sendMail(sluice, {
      subject: LONG_SUBJECT,
      to: ['Dana Developer <dana@example.com>', 'ops@example.com', 'audit@example.com'],
      text: 'Statement attached',
    });
    await sendMail(sluice, { subject: 'One recipient', to: 'qa@example.com', text: 'x' });
    inbox = await openInbox(browser, sluice, { width: 1100 });
    const { page } = inbox;
    const long = page.locator('.row', { hasText: 'quarterly statement' });
    await long.waitFor();
    expect(await long.locator('.row-to').textContent()).toBe('to Dana Developer +2');
    expect(await long.locator('.row-to').getAttribute('title')).toBe(
      'To: Dana Developer <dana@example.com>, ops@example.com, audit@example.com',
    );
    const subject = long.locator('.row-subject');
    expect(await subject.getAttribute('title')).toBe(LONG_SUBJECT);
    // It is long enough to be cut off in the row, which is why the tooltip is there.
    expect(await subject.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    const single = page.locator('.row', { hasText: 'One recipient' });
    expect(await single.locator('.row-to').textContent()).toBe('to qa@example.com');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'rows-recipients.png') });
  });

  it('shows Reply-To in the header, and no Attachments tab without attachments', async () => {
    const id = await sendMail(sluice, {
      subject: 'Support ticket #881',
      replyTo: 'Acme Support <support@acme.test>',
      text: 'We will get back to you.',
      html: '<p>We will get back to you.</p>',
    });
    inbox = await openInbox(browser, sluice, { hash: `#/message/${id}` });
    const { page } = inbox;
    await page.locator('[data-tab="headers"]').waitFor();
    expect(await page.locator('.viewer-to[data-field="reply-to"]').textContent()).toBe(
      'Reply-To Acme Support <support@acme.test>',
    );
    expect(await page.locator('.tab').allTextContents()).toEqual([
      'HTML',
      'Text',
      'Headers',
      'Source',
      'Envelope',
    ]);

    // A message with attachments has the tab, with their number.
    const welcome = await sendMail(sluice, welcomeMail());
    await page.goto(`${sluice.baseUrl}/#/message/${welcome}`);
    await page.locator('.viewer-subject', { hasText: 'Welcome to Acme Cloud' }).waitFor();
    expect(await page.locator('[data-tab="attachments"]').textContent()).toBe('Attachments3');
    expect(await page.locator('.viewer-to[data-field="reply-to"]').count()).toBe(0);
  });

  it('shows a placeholder and a "Show" banner for blocked remote images', async () => {
    const pixel = `${listener.url}/hit/polish/logo`;
    const id = await sendMail(sluice, {
      subject: 'Newsletter with a remote logo',
      html: `<p id="hello">Hello</p>
        <img id="logo" src="${pixel}" width="160" height="60" alt="Acme logo">
        <img id="retina" src="${pixel}-small" srcset="${pixel}-2x 2x" width="40" height="40" alt="">`,
    });
    inbox = await openInbox(browser, sluice, { hash: `#/message/${id}` });
    const { page } = inbox;
    const frame = await htmlFrame(page, id);
    await frame.locator('#hello').waitFor();
    const banner = page.locator('.remote-banner');
    expect(await banner.textContent()).toContain('Remote images blocked');
    // Not a broken image: the placeholder loads, at the size the message gave.
    const size = (selector: string) =>
      frame.locator(selector).evaluate((img: HTMLImageElement) => ({
        complete: img.complete,
        natural: img.naturalWidth > 0,
        width: img.width,
        height: img.height,
      }));
    await expect
      .poll(() => size('#logo'))
      .toEqual({
        complete: true,
        natural: true,
        width: 160,
        height: 60,
      });
    await expect.poll(() => size('#retina')).toMatchObject({ complete: true, natural: true });
    expect(await frame.locator('#logo').getAttribute('alt')).toBe('Acme logo');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'remote-images-blocked.png') });
    expect(listener.hitsUnder('/hit/polish/')).toEqual([]);

    await banner.getByRole('button', { name: 'Show' }).click();
    expect(await page.locator('iframe.html-frame').getAttribute('src')).toBe(
      `/api/messages/${id}/html?remote=1`,
    );
    await expect.poll(() => listener.hitsUnder('/hit/polish/logo').length).toBeGreaterThan(0);
    await banner.waitFor({ state: 'detached' });
    // Still the sandboxed frame from its own URL: nothing of the inbox's origin.
    expect(await page.locator('iframe.html-frame').getAttribute('sandbox')).toBe(
      'allow-popups allow-popups-to-escape-sandbox',
    );
  });

  it('shows no remote banner for a message that loads nothing remote', async () => {
    const id = await sendMail(sluice, welcomeMail());
    inbox = await openInbox(browser, sluice, { hash: `#/message/${id}` });
    const { page } = inbox;
    const frame = await htmlFrame(page, id);
    await frame.locator('#greeting').waitFor();
    expect(await page.locator('.remote-banner').count()).toBe(0);
  });
});
