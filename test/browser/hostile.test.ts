import { readdirSync, readFileSync } from 'node:fs';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { htmlFrame, launchBrowser, sendMail } from './browser.js';
import { Listener } from './listener.js';
import { makePng } from './png.js';

const CORPUS_DIR = new URL('./hostile/', import.meta.url);
const CORPUS = readdirSync(CORPUS_DIR)
  .filter((name) => name.endsWith('.payload'))
  .sort()
  .map((file) => ({ name: file.replace(/\.payload$/, ''), template: read(file) }));
const EVIL_SVG = read('parts/evil-svg.payload');
const EVIL_HTML = read('parts/evil-html.payload');

function read(file: string): string {
  return readFileSync(new URL(file, CORPUS_DIR), 'utf8');
}

/**
 * JavaScript that sets every marker the test looks for, then reports to the listener.
 * No spaces, double quotes or ">", so it also works as an unquoted attribute value.
 */
function pwn(hit: string): string {
  return [
    'try{top.__pwned=1}catch(e){}',
    "try{parent.document.title='pwned'}catch(e){}",
    "try{localStorage.setItem('pwned','1')}catch(e){}",
    "try{document.cookie='pwned=1;path=/'}catch(e){}",
    "try{top.location.hash='pwned'}catch(e){}",
    `location.href='${hit}'`,
  ].join('');
}

function fill(template: string, hit: string): string {
  const script = pwn(hit);
  return template
    .replaceAll('{{PWN_B64}}', Buffer.from(`<script>${script}</script>`).toString('base64'))
    .replaceAll('{{PWN}}', script)
    .replaceAll('{{HIT}}', hit);
}

/** Clicks everything a reader could click; an element gone after an earlier click is skipped. */
async function clickEverything(frame: Frame | Page): Promise<void> {
  const targets = frame.locator('a, area, button, input[type="submit"], summary');
  const count = await targets.count();
  for (let i = 0; i < count; i++) {
    const target = targets.nth(i);
    if (!(await target.isVisible().catch(() => false))) continue;
    await target.click({ timeout: 1500 }).catch(() => undefined);
  }
}

/**
 * Absence cannot be awaited: meta refresh, onload, preloads and timers have no event the
 * test could wait for. A second is far longer than any of them takes on loopback.
 */
const SETTLE_MS = 1000;

describe('hostile HTML never runs in, or leaks from, the inbox', () => {
  let browser: Browser;
  let sluice: TestSluice;
  let listener: Listener;
  beforeAll(async () => {
    browser = await launchBrowser();
    sluice = await startSluice();
    listener = await Listener.start();
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.close();
    await listener?.close();
  });

  it('has at least 15 distinct payloads', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CORPUS)('$name', async ({ name, template }) => {
    // 1. Unprotected, the payload does reach the listener: it is a live exploit.
    const controlHit = `${listener.url}/hit/control/${name}`;
    listener.serve(`/control/parts/evil.svg`, 'image/svg+xml', fill(EVIL_SVG, controlHit));
    listener.serve(`/control/parts/evil.html`, 'text/html', fill(EVIL_HTML, controlHit));
    const controlPage = listener.serve(
      `/control/${name}`,
      'text/html',
      fill(template, controlHit).replaceAll('cid:evil.', '/control/parts/evil.'),
    );
    const control = await browser.newContext();
    const page = await control.newPage();
    await page.goto(controlPage).catch(() => undefined);
    await clickEverything(page);
    await expect.poll(() => listener.hitsUnder(`/hit/control/${name}`).length).toBeGreaterThan(0);
    await control.close();

    // 2. Captured and opened in the inbox, it does nothing.
    const hit = `${listener.url}/hit/inbox/${name}`;
    const script = pwn(hit);
    const id = await sendMail(sluice, {
      from: { name: `<img src=x onerror="${script}">`, address: 'attacker@evil.test' },
      subject: `${name} <script>${script}</script>`,
      text: `Plain part of ${name}: <script>${script}</script> javascript:${script}`,
      html: fill(template, hit),
      headers: { 'X-Hostile': `<svg onload="${script}">` },
      attachments: [
        {
          filename: 'evil.svg',
          cid: 'evil.svg',
          contentType: 'image/svg+xml',
          content: fill(EVIL_SVG, hit),
        },
        {
          filename: 'evil.html',
          cid: 'evil.html',
          contentType: 'text/html',
          content: fill(EVIL_HTML, hit),
        },
        {
          filename: `"><img src=x onerror="${script}">.png`,
          contentType: 'image/png',
          content: makePng(4, 4, () => [200, 0, 0]),
        },
      ],
    });
    const context = await browser.newContext();
    const inbox = await context.newPage();
    const errors: string[] = [];
    inbox.on('pageerror', (error) => errors.push(error.message));
    await inbox.goto(`${sluice.baseUrl}/#/message/${id}`);
    await clickEverything(await htmlFrame(inbox, id));
    for (const tab of ['text', 'headers', 'source', 'attachments', 'envelope']) {
      await inbox.locator(`[data-tab="${tab}"]`).click();
      await inbox.locator(`[data-panel="${tab}"]`).waitFor();
    }
    await inbox.locator('[data-tab="source"]').click();
    await inbox.locator('.source-body').waitFor();
    // The preview's own URL opened as a tab (the "Open" link) is just as inert.
    const direct = await context.newPage();
    await direct.goto(`${sluice.baseUrl}/api/messages/${id}/html`);
    await clickEverything(direct);
    await inbox.waitForTimeout(SETTLE_MS);

    expect(listener.hitsUnder('/hit/inbox/')).toEqual([]);
    for (const tab of context.pages()) {
      if (!tab.url().startsWith(sluice.baseUrl)) continue;
      // The preview's own tab has an opaque origin: no storage to read, which is the point.
      const markers = await tab.evaluate(() => ({
        pwned: (window as { __pwned?: unknown }).__pwned ?? null,
        title: document.title === 'pwned',
        hash: location.hash.includes('pwned'),
        storage: (() => {
          try {
            return Object.keys(localStorage).filter((key) => key.includes('pwned'));
          } catch {
            return [];
          }
        })(),
      }));
      expect(markers, tab.url()).toEqual({ pwned: null, title: false, hash: false, storage: [] });
    }
    expect(await inbox.title()).toMatch(/Sluice$/);
    expect((await context.cookies()).map((c) => c.name)).toEqual([]);
    // The inbox itself rendered the hostile subject, sender and file name as text.
    expect(await inbox.locator('.viewer-subject').textContent()).toContain('<script>');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('loads remote content only when the reader switches it on', async () => {
    // Not under /hit/inbox/: these hits are wanted once allowed, and the payload tests
    // (in any order) count every hit there as a leak.
    const hit = `${listener.url}/hit/allowed/remote`;
    const id = await sendMail(sluice, {
      subject: 'Tracking pixel',
      html: `<p id="hello">Hello</p><img src="${hit}-pixel" width="1" height="1">
        <style>body { background: url('${hit}-background') }</style>`,
    });
    const context = await browser.newContext();
    const inbox = await context.newPage();
    await inbox.goto(`${sluice.baseUrl}/#/message/${id}`);
    await (await htmlFrame(inbox, id)).locator('#hello').waitFor();
    await inbox.waitForTimeout(SETTLE_MS);
    expect(listener.hitsUnder('/hit/allowed/remote')).toEqual([]);

    await inbox.locator('.switch', { hasText: 'Load remote content' }).click();
    expect(await inbox.locator('iframe.html-frame').getAttribute('src')).toBe(
      `/api/messages/${id}/html?remote=1`,
    );
    await expect
      .poll(() => listener.hitsUnder('/hit/allowed/remote').sort())
      .toEqual(['/hit/allowed/remote-background', '/hit/allowed/remote-pixel']);
    await context.close();
  });
});
