import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSnippets, targetFor } from '../../ui/src/snippets/snippets.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { launchBrowser, openInbox } from './browser.js';

// The empty inbox shows exactly the generator's text, which test/clients/snippets.test.ts
// runs with real clients: what a user copies is what was tested.
describe('the empty inbox connect snippets', () => {
  let browser: Browser;
  let sluice: TestSluice;
  beforeAll(async () => {
    browser = await launchBrowser();
    sluice = await startSluice();
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.close();
  });

  it('show every framework and connection, with the note for clients that verify', async () => {
    const { context, page, errors } = await openInbox(browser, sluice);
    const info = await sluice.getJson('/api/info');
    const snippets = connectSnippets(targetFor(info, '127.0.0.1'));
    await page.locator('.snippet-code').waitFor();
    for (const snippet of snippets) {
      await page.locator(`[data-snippet="${snippet.framework}"]`).click();
      const mode = page.locator(`[data-snippet-mode="${snippet.mode}"]`);
      if (await mode.count()) await mode.click();
      const code = page.locator(`[data-snippet-code="${snippet.id}"]`);
      await code.waitFor();
      expect(await code.textContent(), snippet.id).toBe(snippet.code);
      const note = page.locator('[data-snippet-note]');
      if (snippet.trust) {
        expect(await note.getAttribute('data-snippet-note')).toBe(snippet.trust);
        expect(await note.textContent()).toContain(info.tls.ca);
      } else {
        expect(await note.count(), `${snippet.id} has no note`).toBe(0);
      }
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
