import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { NewMessage } from '../../src/store/types.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { SseClient } from '../web/sse.js';
import { launchBrowser, openInbox, rowSubjects, sendMail } from './browser.js';
import type { Browser } from 'playwright-core';

// Issue 12: past the fan-out budget a burst reaches the inbox as one reset ('burst').

/** A message whose summary is ~60 KB (2,000 recipients) under a short subject. */
async function wide(n: number): Promise<NewMessage> {
  const to = Array.from({ length: 2000 }, (_, i) => `r${i}@example.com`).join(',\r\n ');
  const raw = Buffer.from(`From: app@example.com\r\nTo: ${to}\r\nSubject: Burst ${n}\r\n\r\nx\r\n`);
  return {
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'app@example.com', rcptTo: ['r0@example.com'] },
    client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
  };
}

describe('a burst too large to send to every event client', () => {
  let browser: Browser;
  let sluice: TestSluice;
  beforeAll(async () => {
    browser = await launchBrowser();
    // 4 MB a second instead of 64, so that the burst is far past it however slowly it is stored.
    sluice = await startSluice([], { app: { fanoutBytesPerSecond: 4 * 1024 * 1024 } });
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.close();
  });

  it('comes to the inbox as a reset: it reloads its first page and stays live', async () => {
    const { page, errors, context } = await openInbox(browser, sluice);
    await page.locator('.status[data-status="live"]').waitFor();
    await sendMail(sluice, { subject: 'Before the burst', text: 'a' });
    await expect.poll(() => rowSubjects(page)).toEqual(['Before the burst']);

    // 40 clients that take no compression (as curl) and 30 summaries of ~60 KB: 72 MB.
    const messages = await Promise.all(Array.from({ length: 30 }, (_, n) => wide(n)));
    const curls = await Promise.all(
      Array.from({ length: 40 }, () =>
        SseClient.connect(`${sluice.baseUrl}/api/events`, { 'accept-encoding': 'identity' }),
      ),
    );
    try {
      const stored = await Promise.all(messages.map((m) => sluice.app.store.addMessage(m)));
      const newest = stored.reduce((a, b) => (a.id > b.id ? a : b));
      const reset = JSON.parse((await curls[0]!.next('reset')).data) as { reason: string };
      expect(reset.reason).toBe('burst');

      await expect.poll(() => rowSubjects(page).then((rows) => rows[0])).toBe(newest.subject);
      await expect
        .poll(() => page.locator('.list-title .muted').textContent())
        .toContain('31 messages');
      await expect.poll(() => page.title()).toBe('(31) Sluice');
      await sendMail(sluice, { subject: 'After the burst', text: 'b' });
      await expect.poll(() => rowSubjects(page).then((rows) => rows[0])).toBe('After the burst');
      await expect.poll(() => page.title()).toBe('(32) Sluice');
      expect(errors).toEqual([]);
    } finally {
      for (const client of curls) client.close();
      await context.close();
    }
  });
});
