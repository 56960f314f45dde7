import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { htmlFrame, launchBrowser, openInbox, sendMail, type InboxPage } from './browser.js';
import { welcomeMail } from './samples.js';

describe('a message arriving in an open inbox', () => {
  let browser: Browser;
  let sluice: TestSluice;
  let inbox: InboxPage;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    sluice = await startSluice();
    inbox = await openInbox(browser, sluice);
    await inbox.page.locator('.status[data-status="live"]').waitFor();
  });
  afterEach(async () => {
    expect(inbox.errors).toEqual([]);
    await inbox.context.close();
    await sluice.close();
  });

  it('appears live, with the unread count in the title and the favicon', async () => {
    const { page } = inbox;
    await page.locator('.empty h2', { hasText: 'No mail yet' }).waitFor();
    await expect.poll(() => page.title()).toBe('Sluice');
    const blankIcon = await page.locator('link[rel="icon"]').getAttribute('href');

    await sendMail(sluice, welcomeMail());
    const row = page.locator('.row', { hasText: 'Welcome to Acme Cloud, Dana' });
    await row.waitFor();
    await expect.poll(() => row.getAttribute('class')).toContain('unread');
    expect(await row.locator('.row-from').textContent()).toBe('Acme Cloud');
    expect(await row.locator('.row-clip').count()).toBe(1);
    expect(await row.locator('.row-time').textContent()).toBe('now');
    await expect.poll(() => page.title()).toBe('(1) Sluice');
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(icon).toMatch(/^data:image\/png;base64,/);
    expect(icon).not.toBe(blankIcon);
  });

  it('opens with HTML, text, headers, source, attachments and envelope tabs', async () => {
    const { page } = inbox;
    const id = await sendMail(sluice, welcomeMail());
    await page.locator('.row', { hasText: 'Welcome to Acme Cloud' }).click();
    expect(new URL(page.url()).hash).toBe(`#/message/${id}`);

    // HTML: framed from its own URL, in a sandbox with neither scripts nor same-origin.
    const iframe = page.locator('iframe.html-frame');
    expect(await iframe.getAttribute('sandbox')).toBe(
      'allow-popups allow-popups-to-escape-sandbox',
    );
    const frame = await htmlFrame(page, id);
    expect(await frame.locator('#greeting').textContent()).toContain(
      'Your workspace dana is ready',
    );
    // The inline cid: image is fetched from the message and renders.
    await expect
      .poll(
        () =>
          frame.evaluate(
            () => (document.getElementById('banner') as HTMLImageElement).naturalWidth,
          ),
        { message: 'the cid: image in the HTML frame did not load' },
      )
      .toBe(480);
    // Opening marks read, by the inbox's own request.
    await expect.poll(async () => (await sluice.getJson(`/api/messages/${id}`)).read).toBe(true);
    await expect.poll(() => page.title()).toBe('Sluice');

    await page.locator('[data-width="phone"]').click();
    expect((await iframe.boundingBox())!.width).toBe(375);
    await page.locator('[data-width="tablet"]').click();
    expect((await iframe.boundingBox())!.width).toBe(768);

    await page.locator('[data-tab="text"]').click();
    expect(await page.locator('.text-body').textContent()).toContain('Your workspace is ready');
    expect(await page.locator('.text-body a').getAttribute('href')).toBe(
      'https://acme.test/w/dana',
    );
    expect(await page.locator('.text-body a').getAttribute('rel')).toContain('noopener');

    await page.locator('[data-tab="headers"]').click();
    const subjectRow = page.locator('.headers-table tr', { hasText: /^Subject/ });
    expect(await subjectRow.locator('td').textContent()).toBe('Welcome to Acme Cloud, Dana');
    await page.locator('.headers-tab .filter').fill('message-id');
    await expect
      .poll(() => page.locator('.headers-table th').allTextContents())
      .toEqual(['Message-ID']);

    await page.locator('[data-tab="source"]').click();
    const source = page.locator('.source-body');
    await source.waitFor();
    expect(await source.textContent()).toContain('Subject: Welcome to Acme Cloud, Dana');
    expect(await source.textContent()).toContain('Content-ID: <banner@acme>');
    const download = page.locator('.source-tab a[download]');
    expect(await download.getAttribute('href')).toBe(`/api/messages/${id}/raw?download`);
    const eml = await page.request.get(sluice.baseUrl + (await download.getAttribute('href')));
    expect(eml.headers()['content-disposition']).toContain(
      `attachment; filename="message-${id}.eml"`,
    );

    await page.locator('[data-tab="attachments"]').click();
    const items = page.locator('.attachment');
    expect(await items.locator('.attachment-name').allTextContents()).toEqual([
      'banner.png',
      'getting-started.pdf',
      'team-photo.png',
    ]);
    expect(await items.nth(1).textContent()).toContain('application/pdf · 42 B');
    const photo = items.nth(2).locator('img');
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(96);
    expect(await items.nth(1).locator('a[download]').getAttribute('href')).toBe(
      `/api/messages/${id}/parts/2`,
    );

    await page.locator('[data-tab="envelope"]').click();
    const envelope = page.locator('.envelope');
    expect(await envelope.textContent()).toContain('<hello@acme.test>');
    const rcpts = envelope.locator('.rcpt-list li');
    expect(await rcpts.allTextContents()).toEqual([
      '<dana@example.com>',
      '<team@example.com>',
      '<audit@example.com>BCC',
    ]);
    expect(await envelope.textContent()).toContain('plain text');
  });

  it('shows the AUTH user and TLS of the session', async () => {
    const { page } = inbox;
    const { createTransport } = await import('nodemailer');
    const transport = createTransport({
      host: '127.0.0.1',
      port: sluice.starttlsPort!,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'ci-bot', pass: 'secret' },
    });
    await transport.sendMail({
      from: 'ci@example.com',
      to: 'dev@example.com',
      subject: 'Over STARTTLS',
      text: 'hi',
    });
    transport.close();
    await page.locator('.row', { hasText: 'Over STARTTLS' }).click();
    await page.locator('[data-tab="envelope"]').click();
    const envelope = page.locator('.envelope');
    await expect.poll(() => envelope.textContent()).toContain('ci-bot');
    expect(await envelope.locator('.badge.ok').textContent()).toBe('encrypted');
  });
});
