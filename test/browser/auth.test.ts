import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeHtpasswd } from '../helpers/auth.js';
import type { TestSluice } from '../helpers/sluice.js';
import { FAST_RETRY, startRelaySluice, tempDir } from '../relay/support.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';
import { htmlFrame, launchBrowser, openInbox, sendMail, type InboxPage } from './browser.js';
import { welcomeMail } from './samples.js';

// The inbox in Chromium with sign-in on: Basic auth for the page, its API calls, the live
// event stream (EventSource reuses the browser's credentials) and the sandboxed preview's
// inline images; releasing records the signed-in name; a reader is told why not.

const ALICE = { username: 'alice', password: 'alice-Browser-pw1' };
const BOB = { username: 'bob', password: 'bob-Browser-pw2' };

let browser: Browser;
const dir = tempDir();
let upstream: TestUpstream;
let sluice: TestSluice;
let inbox: InboxPage | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
  upstream = await TestUpstream.start({ certificate: await createCertificate() });
  const users = writeHtpasswd(dir.path, [
    { name: ALICE.username, password: ALICE.password, scheme: 'bcrypt' },
    { name: BOB.username, password: BOB.password, scheme: 'apr1' },
  ]);
  sluice = await startRelaySluice(
    dir,
    {
      upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
      retry: FAST_RETRY,
    },
    ['--http-auth-file', users, '--http-releasers', 'alice'],
  );
});
afterAll(async () => {
  await browser?.close();
  await sluice?.close();
  await upstream?.close();
  dir.remove();
});
afterEach(async () => {
  expect(inbox?.errors ?? []).toEqual([]);
  await inbox?.context.close();
  inbox = undefined;
});

describe('the inbox with sign-in', () => {
  it('shows nothing without a password', async () => {
    await sendMail(sluice, { subject: 'Secret launch plan' });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const challenged = page.waitForResponse(`${sluice.baseUrl}/`);
      // Headless Chromium cannot ask a person, so the navigation ends with the challenge.
      await expect(page.goto(`${sluice.baseUrl}/`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      const response = await challenged;
      expect(response.status()).toBe(401);
      expect(response.headers()['www-authenticate']).toBe('Basic realm="Sluice", charset="UTF-8"');
      expect(await response.text()).not.toContain('Secret launch plan');
    } finally {
      await context.close();
    }
  });

  it('signed in: live events arrive, the preview loads its inline image, and a release is recorded', async () => {
    inbox = await openInbox(browser, sluice, { httpCredentials: ALICE });
    const { page } = inbox;
    await page.locator('.status[data-status="live"]').waitFor();

    // Live: the row appears through the event stream, with no reload.
    const id = await sendMail(sluice, { ...welcomeMail(), to: 'dana@example.test' });
    const row = page.locator('.row', { hasText: 'Welcome to Acme Cloud' });
    await row.waitFor();
    await row.click();
    const frame = await htmlFrame(page, id);
    // The sandboxed frame's image request is cross-site and has no origin of its own.
    await expect
      .poll(() =>
        frame.evaluate(() => (document.getElementById('banner') as HTMLImageElement).naturalWidth),
      )
      .toBe(480);

    await page.locator('[data-tab="relay"]').click();
    await page.locator('[data-release="original"]').click();
    const result = page.locator('.relay-release [role="status"]');
    await expect.poll(() => result.textContent()).toMatch(/^Queued for dana@example.test/);
    const sent = page.locator('.relay-history > li[data-state="sent"]', { hasText: 'dana@' });
    await sent.waitFor();
    expect(await sent.locator('.acted-by').textContent()).toBe(' · released by alice');
    await expect
      .poll(() => upstream.received.flatMap((r) => r.rcptTo))
      .toContain('dana@example.test');

    await page.locator('.view-outbox').click();
    const outboxRow = page.locator(`tr[data-outbox-id] .acted-by`).first();
    expect(await outboxRow.textContent()).toBe(' · released by alice');
    expect(await page.content()).not.toContain(ALICE.password);
  });

  it('a reader reads, and is told why releasing is refused', async () => {
    const id = await sendMail(sluice, { subject: 'Bob may read this', to: 'eve@example.test' });
    inbox = await openInbox(browser, sluice, { httpCredentials: BOB, hash: `#/message/${id}` });
    const { page } = inbox;
    await page.locator('.status[data-status="live"]').waitFor();
    await page.locator('[data-tab="relay"]').click();
    await page.locator('[data-release="original"]').click();
    const result = page.locator('.relay-release [role="status"]');
    await expect.poll(() => result.textContent()).toContain('bob is a reader');
    expect(await result.getAttribute('class')).toContain('error-text');
    expect(upstream.received.flatMap((r) => r.rcptTo)).not.toContain('eve@example.test');
  });
});
