import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { tempDir } from '../relay/support.js';
import { createCertificate } from '../relay/upstream.js';
import { htmlFrame, launchBrowser, openInbox, sendMail, type InboxPage } from './browser.js';
import { welcomeMail } from './samples.js';

// The inbox behind a reverse proxy's prefix (--http-base-path /mail/), served over HTTPS:
// every asset, API call, event stream and preview image is fetched under the prefix.

let browser: Browser;
const dir = tempDir();
let sluice: TestSluice;
let inbox: InboxPage | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
  const certificate = await createCertificate();
  sluice = await startSluice([
    '--http-base-path',
    '/mail/',
    '--http-tls-cert',
    dir.write('http.crt', certificate.cert),
    '--http-tls-key',
    dir.write('http.key', certificate.key),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await sluice?.close();
  dir.remove();
});
afterEach(async () => {
  expect(inbox?.errors ?? []).toEqual([]);
  await inbox?.context.close();
});

describe('the inbox under /mail/ over HTTPS', () => {
  it('loads from /mail, goes live, and shows a message with its inline image', async () => {
    const origin = `https://127.0.0.1:${sluice.addresses.http.port}`;
    const outside: string[] = [];
    inbox = await openInbox(browser, sluice, { url: `${origin}/mail`, ignoreHTTPSErrors: true });
    const { page } = inbox;
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === origin && !url.pathname.startsWith('/mail/')) outside.push(url.pathname);
    });
    expect(page.url()).toBe(`${origin}/mail/`);
    await page.locator('.status[data-status="live"]').waitFor();

    const id = await sendMail(sluice, welcomeMail());
    const row = page.locator('.row', { hasText: 'Welcome to Acme Cloud' });
    await row.waitFor();
    await row.click();
    expect(new URL(page.url()).hash).toBe(`#/message/${id}`);
    const frame = await htmlFrame(page, id, '/mail/');
    await expect
      .poll(() =>
        frame.evaluate(() => (document.getElementById('banner') as HTMLImageElement).naturalWidth),
      )
      .toBe(480);
    const download = page.locator('a[download]').first();
    expect(await download.getAttribute('href')).toBe(`/mail/api/messages/${id}/raw?download`);
    // Marking read went through the API under the prefix too.
    const read = (messageId: number) =>
      fetch(`api/messages/${messageId}`).then(
        async (r) => ((await r.json()) as { read: boolean }).read,
      );
    await expect.poll(() => page.evaluate(read, id)).toBe(true);
    expect(outside).toEqual([]);
  });
});
