import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../lib/context.js';
import { missing, toCell, type Figure } from '../lib/stats.js';

const UI_INDEX = fileURLToPath(new URL('../../ui-dist/index.html', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

/**
 * HOOK for the inbox (issue 5: "the inbox first render in Chromium with 100,000 messages
 * stored"). The figure is the time from navigation to the first message row on screen.
 * The inbox's message list renders each row as `<a class="row" role="option" data-id=ID>`
 * (ui/src/components/message-list.tsx); if the built inbox shows no such row, this returns
 * "n/a" with the reason instead of a number. Change the selector here if the markup changes.
 */
export const INBOX_ROW_SELECTOR = '[role="option"][data-id]';
/** How long to wait for the first row before deciding the inbox has none to show. */
const FIRST_ROW_TIMEOUT_MS = 15_000;

export async function measureInboxRender(ctx: BenchContext, baseUrl: string): Promise<Figure> {
  if (!existsSync(UI_INDEX)) return missing('inbox not built (no ui-dist/index.html)');
  if (!existsSync(CHROMIUM))
    return missing(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync'],
  });
  try {
    const times: number[] = [];
    for (let run = 1; run <= ctx.runs; run++) {
      // A fresh context each time: no cached assets, as on a first visit.
      const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
      try {
        const page = await context.newPage();
        const started = performance.now();
        await page.goto(baseUrl);
        try {
          await page.locator(INBOX_ROW_SELECTOR).first().waitFor({ timeout: FIRST_ROW_TIMEOUT_MS });
        } catch {
          return missing(
            `the built inbox shows no ${INBOX_ROW_SELECTOR} row within ${FIRST_ROW_TIMEOUT_MS / 1000} s ` +
              '(hook: bench/suites/inbox-render.ts)',
          );
        }
        times.push(performance.now() - started);
        ctx.log(`inbox first render run ${run}/${ctx.runs}: ${times.at(-1)!.toFixed(0)} ms`);
      } finally {
        await context.close();
      }
    }
    return toCell(times);
  } finally {
    await browser.close();
  }
}
