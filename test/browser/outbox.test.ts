import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { FAST_RETRY, startRelaySluice, tempDir } from '../relay/support.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';
import { launchBrowser, openInbox, SCREENSHOT_DIR, sendMail, type InboxPage } from './browser.js';

// The relay in the inbox: the Outbox view and the message's Relay tab, against a real
// upstream SMTP server and a Sluice started from a YAML config file.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

describe('with the relay on', () => {
  const dir = tempDir();
  let upstream: TestUpstream;
  let sluice: TestSluice;
  let inbox: InboxPage;

  beforeAll(async () => {
    upstream = await TestUpstream.start({ certificate: await createCertificate() });
    sluice = await startRelaySluice(dir, {
      upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
      rules: [
        { name: 'approval', match: { recipient: '*@hold.example' }, action: 'hold' },
        { name: 'trusted', match: { recipient: '*@ok.example' }, action: 'relay' },
        { name: 'blocked', match: { recipient: '*@blocked.example' }, action: 'capture' },
      ],
      release_to: ['*@elsewhere.example', '*@blocked.example'],
      retry: FAST_RETRY,
    });
  });
  afterAll(async () => {
    await sluice?.close();
    await upstream?.close();
    dir.remove();
  });
  afterEach(async () => {
    expect(inbox.errors).toEqual([]);
    await inbox.context.close();
  });

  it('lists a held message in the Outbox, and Approve sends it, live', async () => {
    inbox = await openInbox(browser, sluice);
    const { page } = inbox;
    await page.locator('.status[data-status="live"]').waitFor();
    await page.locator('.view-outbox').click();
    expect(new URL(page.url()).hash).toBe('#/outbox');
    await page.locator('.outbox h2', { hasText: 'Outbox' }).waitFor();

    const id = await sendMail(sluice, { to: 'ann@hold.example', subject: 'Held invoice' });
    const row = page.locator('.outbox-table tbody tr', { hasText: 'Held invoice' });
    await row.and(page.locator('[data-state="held"]')).waitFor();
    expect(await row.locator('td').nth(2).textContent()).toBe('ann@hold.example');
    expect(await row.locator('td').nth(3).textContent()).toBe('up');
    expect(await row.locator('a').getAttribute('href')).toBe(`#/message/${id}`);
    expect(await row.textContent()).toContain('approval');
    expect(upstream.deliveredTo('Held invoice')).toEqual([]);

    // The state filter: the held entry is under "held", not under "sent".
    await page.locator('[data-filter="sent"]').click();
    await row.waitFor({ state: 'detached' });
    await page.locator('[data-filter="held"]').click();
    await row.waitFor();

    await row.locator('button', { hasText: 'Approve' }).click();
    await expect.poll(() => upstream.deliveredTo('Held invoice')).toEqual(['ann@hold.example']);
    // Under the "held" filter it leaves; under "all" it shows as sent, without a reload.
    await row.waitFor({ state: 'detached' });
    await page.locator('[data-filter="all"]').click();
    const sent = row.and(page.locator('[data-state="sent"]'));
    await sent.waitFor();
    expect(await sent.locator('td').nth(5).textContent()).toBe('1');
    expect(await sent.locator('td.reply').textContent()).toContain('accepted upstream');
    expect(await sent.locator('button').count()).toBe(0);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'outbox.png') });
  });

  it('shows the matching rule and the history in the Relay tab, and releases from it', async () => {
    const id = await sendMail(sluice, {
      to: ['bob@ok.example', 'carl@elsewhere.example'],
      subject: 'Split order',
    });
    await expect.poll(() => upstream.deliveredTo('Split order')).toEqual(['bob@ok.example']);

    inbox = await openInbox(browser, sluice, { hash: `#/message/${id}` });
    const { page } = inbox;
    await page.locator('[data-tab="relay"]').click();
    // The Outbox's icon is none of the chevrons that move between messages or go back.
    const icon = (selector: string) =>
      page.locator(`${selector} svg`).evaluate((svg) => svg.innerHTML);
    const chevrons = await Promise.all(
      ['[aria-label="Newer message"]', '[aria-label="Older message"]', '.viewer-top .back'].map(
        icon,
      ),
    );
    expect(chevrons).not.toContain(await icon('.view-outbox'));
    const bob = page.locator('.relay-decisions li[data-recipient="bob@ok.example"]');
    expect(await bob.getAttribute('data-action')).toBe('relay');
    expect(await bob.locator('.relay-rule').textContent()).toBe('rule trusted');
    const carl = page.locator('.relay-decisions li[data-recipient="carl@elsewhere.example"]');
    expect(await carl.getAttribute('data-action')).toBe('capture');
    expect(await carl.locator('.relay-rule').textContent()).toBe('no rule matched');
    const history = page.locator('.relay-history > li[data-state="sent"]');
    expect(await history.textContent()).toContain('bob@ok.example');
    expect(await history.locator('.relay-attempts li').textContent()).toContain(
      'accepted upstream',
    );

    // Malformed and denied addresses are refused with the API's own reason.
    const to = page.locator('.relay-release input[name="to"]');
    const submit = page.locator('.relay-release button[type="submit"]');
    const result = page.locator('.relay-release [role="status"]');
    await to.fill('not-an-address');
    await submit.click();
    await expect
      .poll(() => result.textContent())
      .toBe('"not-an-address" is not an email address (expected name@example.com)');
    expect(await result.getAttribute('class')).toContain('error-text');
    await to.fill('x@blocked.example');
    await submit.click();
    // release_to names the domain, but the capture rule still blocks it.
    await expect.poll(() => result.textContent()).toContain('rule "blocked" captures it');
    expect(upstream.deliveredTo('Split order')).toEqual(['bob@ok.example']);

    // A good address is queued, sent, and joins the history live.
    await to.fill('dora@elsewhere.example');
    await submit.click();
    await expect.poll(() => result.textContent()).toBe('Queued for dora@elsewhere.example');
    await expect
      .poll(() => upstream.deliveredTo('Split order').sort())
      .toEqual(['bob@ok.example', 'dora@elsewhere.example']);
    const dora = page.locator('.relay-history > li[data-state="sent"]', { hasText: 'dora@' });
    await dora.waitFor();
    // Who released it is on record; without sign-in that is "anonymous".
    expect(await dora.locator('.acted-by').textContent()).toBe(' · released by anonymous');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'relay-tab.png') });
  });

  it('approves and rejects held mail from the Relay tab too', async () => {
    const approved = await sendMail(sluice, { to: 'cy@hold.example', subject: 'Held refund' });
    const rejected = await sendMail(sluice, { to: 'di@hold.example', subject: 'Held spam' });
    inbox = await openInbox(browser, sluice, { hash: `#/message/${approved}` });
    const { page } = inbox;
    await page.locator('[data-tab="relay"]').click();
    const held = page.getByRole('region', { name: 'Held for approval' });
    expect(await held.textContent()).toContain('cy@hold.example waits for a person');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'relay-tab-held.png') });
    await held.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => upstream.deliveredTo('Held refund')).toEqual(['cy@hold.example']);
    await expect
      .poll(() => held.getByRole('status').textContent())
      .toBe('Approved: queued for cy@hold.example');
    await page.locator('.relay-history > li[data-state="sent"]', { hasText: 'cy@' }).waitFor();
    // Nothing is held any more, so there is nothing to approve.
    expect(await held.getByRole('button').count()).toBe(0);

    await page.goto(`${sluice.baseUrl}/#/message/${rejected}`);
    await page.locator('.viewer-subject', { hasText: 'Held spam' }).waitFor();
    await page.locator('[data-tab="relay"]').click();
    await held.getByRole('button', { name: 'Reject' }).click();
    await expect
      .poll(() => held.getByRole('status').textContent())
      .toBe('Rejected for di@hold.example');
    const entry = page.locator('.relay-history > li', { hasText: 'di@' });
    await expect.poll(() => entry.getAttribute('data-state')).toBe('cancelled');
    expect(upstream.deliveredTo('Held spam')).toEqual([]);
  });
});

describe('Retry and Cancel in the Outbox', () => {
  const dir = tempDir();
  let upstream: TestUpstream;
  let sluice: TestSluice;
  let inbox: InboxPage;
  // While set, the upstream refuses every message for good (550): the entry fails at once.
  let refuse = true;

  beforeAll(async () => {
    upstream = await TestUpstream.start({
      certificate: await createCertificate(),
      data: () => (refuse ? { code: 550, message: '5.7.1 Refused by the test' } : null),
    });
    sluice = await startRelaySluice(dir, {
      upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
      rules: [{ name: 'trusted', match: { recipient: '*@ok.example' }, action: 'relay' }],
      retry: FAST_RETRY,
    });
  });
  afterAll(async () => {
    await sluice?.close();
    await upstream?.close();
    dir.remove();
  });

  /** The Outbox row of the message with this subject, once it is in `state`. */
  async function rowIn(subject: string, state: string) {
    const row = inbox.page.locator('.outbox-table tbody tr', { hasText: subject });
    await row.and(inbox.page.locator(`[data-state="${state}"]`)).waitFor();
    return row;
  }

  it('Retry sends a failed entry again, and Cancel cancels one, live', async () => {
    refuse = true;
    await sendMail(sluice, { to: 'ann@ok.example', subject: 'Retry me' });
    await sendMail(sluice, { to: 'bob@ok.example', subject: 'Cancel me' });
    inbox = await openInbox(browser, sluice, { hash: '#/outbox' });
    const { page } = inbox;
    const retried = await rowIn('Retry me', 'failed');
    const cancelled = await rowIn('Cancel me', 'failed');
    expect(await retried.locator('td.reply').textContent()).toContain('Refused by the test');

    refuse = false;
    await retried.locator('button', { hasText: 'Retry now' }).click();
    // The API's answer, as the inbox shows it (it was "Failed: Send the request body as JSON").
    await expect.poll(() => page.locator('.toast').textContent()).toBe('Queued to send now');
    const sent = await rowIn('Retry me', 'sent');
    expect(await sent.locator('td').nth(5).textContent()).toBe('2');
    expect(upstream.received.map((r) => r.rcptTo)).toEqual([['ann@ok.example']]);

    await cancelled.locator('button', { hasText: 'Cancel' }).click();
    await expect.poll(() => page.locator('.toast').textContent()).toBe('Cancelled');
    const gone = await rowIn('Cancel me', 'cancelled');
    expect(await gone.locator('button').count()).toBe(0);
    expect(upstream.received).toHaveLength(1);
    expect(inbox.errors).toEqual([]);
    await inbox.context.close();
  });
});

describe('with the relay off', () => {
  let sluice: TestSluice;
  afterAll(() => sluice?.close());

  it('shows neither the Outbox nor the Relay tab', async () => {
    sluice = await startSluice();
    const id = await sendMail(sluice, { subject: 'No relay here' });
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      // The inbox asks /api/info once whether the relay is on; the answer hides the relay UI.
      const asked = page.waitForResponse((r) => r.url().includes('/api/info'));
      await page.goto(`${sluice.baseUrl}/#/message/${id}`);
      await asked;
      await page.locator('[data-tab="envelope"]').waitFor();
      expect(await page.locator('[data-tab="relay"]').count()).toBe(0);
      expect(await page.locator('.view-outbox').count()).toBe(0);
      // Going to #/outbox by hand shows the inbox, not an empty outbox.
      await page.evaluate(() => (location.hash = '#/outbox'));
      await page.locator('.list .row', { hasText: 'No relay here' }).waitFor();
      expect(await page.locator('.outbox').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
