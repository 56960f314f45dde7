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
/** What the inbox tells a reader (from /api/info's principal) next to what they may not do. */
const READER_REFUSAL = 'bob is a reader: this needs the releaser role (--http-releasers)';

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
      rules: [{ name: 'approval', match: { recipient: '*@hold.example' }, action: 'hold' }],
      retry: FAST_RETRY,
    },
    ['--http-auth-file', users, '--http-releasers', 'alice'],
  );
});
const asBob = () =>
  sluice.as({
    authorization: `Basic ${Buffer.from(`${BOB.username}:${BOB.password}`).toString('base64')}`,
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

  it('a reader reads, and is told why releasing is off before trying', async () => {
    const id = await sendMail(sluice, { subject: 'Bob may read this', to: 'eve@example.test' });
    inbox = await openInbox(browser, sluice, { httpCredentials: BOB, hash: `#/message/${id}` });
    const { page } = inbox;
    await page.locator('.status[data-status="live"]').waitFor();
    await page.locator('[data-tab="relay"]').click();
    // Told before trying: the release controls are off, with the server's reason.
    const release = page.locator('[data-release="original"]');
    await expect.poll(() => release.isDisabled()).toBe(true);
    expect(await release.getAttribute('title')).toBe(READER_REFUSAL);
    expect(await page.locator('.relay-release input[name="to"]').isDisabled()).toBe(true);
    expect(await page.locator('.relay-release').textContent()).toContain(READER_REFUSAL);
    // And the server refuses it anyway, in the same words.
    const refused = await asBob().api(`/api/messages/${id}/release`, { method: 'POST', json: {} });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toContain('bob is a reader');
    expect(upstream.received.flatMap((r) => r.rcptTo)).not.toContain('eve@example.test');
  });

  it('a reader sees Approve and Reject disabled, with the reason, in the Relay tab and the Outbox', async () => {
    const id = await sendMail(sluice, { subject: 'Held for bob', to: 'fay@hold.example' });
    inbox = await openInbox(browser, sluice, { httpCredentials: BOB, hash: `#/message/${id}` });
    const { page } = inbox;
    await page.locator('[data-tab="relay"]').click();
    const held = page.getByRole('region', { name: 'Held for approval' });
    const reason = READER_REFUSAL;
    for (const name of ['Approve', 'Reject']) {
      const button = held.getByRole('button', { name });
      await expect.poll(() => button.isDisabled()).toBe(true);
      expect(await button.getAttribute('title')).toBe(reason);
    }
    expect(await held.textContent()).toContain(reason);

    await page.locator('.view-outbox').click();
    const row = page.locator('.outbox-table tbody tr', { hasText: 'fay@hold.example' });
    for (const name of ['Approve', 'Reject']) {
      const button = row.getByRole('button', { name });
      await expect.poll(() => button.isDisabled()).toBe(true);
    }
    expect(await page.locator('.outbox').textContent()).toContain(reason);
    // Nothing was decided for bob.
    const relay = await asBob().getJson(`/api/messages/${id}/relay`);
    expect(relay.outbox.entries.map((e: { state: string }) => e.state)).toEqual(['held']);
  });
});
