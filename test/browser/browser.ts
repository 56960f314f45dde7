import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Frame,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';

const UI_INDEX = fileURLToPath(new URL('../../ui-dist/index.html', import.meta.url));
export const SCREENSHOT_DIR = fileURLToPath(
  new URL('../../test-output/screenshots/', import.meta.url),
);

/** The browser tests drive the built inbox; `npm test` builds it before vitest runs. */
export function requireUiBuild(): void {
  if (!existsSync(UI_INDEX)) {
    throw new Error(
      `ui-dist/index.html is missing: run \`npm run build\` first (npm test does it for you).`,
    );
  }
}

/** Debian's Chromium, headless, with nothing that phones home. */
export function launchBrowser(): Promise<Browser> {
  requireUiBuild();
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A browser and a Sluice (default flags) for the tests of one describe block: started before
 * them, closed after. Read the fields inside the tests, once they have started.
 */
export function useBrowserAndSluice(): { readonly browser: Browser; readonly sluice: TestSluice } {
  const handles = {} as { browser: Browser; sluice: TestSluice };
  beforeAll(async () => {
    handles.browser = await launchBrowser();
    handles.sluice = await startSluice();
  });
  afterAll(async () => {
    await handles.browser?.close();
    await handles.sluice?.close();
  });
  return handles;
}

export interface InboxPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors in the inbox; a test that ends with any has found a bug. */
  readonly errors: string[];
}

export async function openInbox(
  browser: Browser,
  sluice: TestSluice,
  options: {
    hash?: string;
    colorScheme?: 'light' | 'dark';
    width?: number;
    height?: number;
    /** A user of the users file; the browser answers the Basic challenge with it. */
    httpCredentials?: { username: string; password: string };
    /** The inbox's URL without the hash; default the server's root. */
    url?: string;
    ignoreHTTPSErrors?: boolean;
  } = {},
): Promise<InboxPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1360, height: options.height ?? 860 },
    colorScheme: options.colorScheme ?? 'light',
    httpCredentials: options.httpCredentials,
    ignoreHTTPSErrors: options.ignoreHTTPSErrors,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${options.url ?? `${sluice.baseUrl}/`}${options.hash ?? ''}`);
  await page.locator('.status[data-status="live"]').or(page.locator('.app')).first().waitFor();
  return { context, page, errors };
}

/**
 * Sends over real SMTP with nodemailer, as an application would, and returns the id Sluice
 * gave the message (from "250 ... queued as ID").
 */
export async function sendMail(sluice: TestSluice, message: Mail.Options): Promise<number> {
  const transport = createTransport({
    host: '127.0.0.1',
    port: sluice.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail({
      from: 'App <app@example.com>',
      to: 'dev@example.com',
      ...message,
    });
    const match = /queued as (\d+)/.exec(info.response);
    if (!match) throw new Error(`unexpected SMTP reply: ${info.response}`);
    return Number(match[1]);
  } finally {
    transport.close();
  }
}

/** Rows currently in the list, top to bottom (only those rendered by the virtual list). */
export function rowSubjects(page: Page): Promise<string[]> {
  return page.locator('.list .row .row-subject').allTextContents();
}

/** The frame showing a message's HTML body (found through page.frames(), as a user's browser has it). */
export async function htmlFrame(page: Page, id: number, basePath = '/'): Promise<Frame> {
  const path = `${basePath}api/messages/${id}/html`;
  await page.locator(`iframe.html-frame[src^="${path}"]`).waitFor();
  const frameOf = () => page.frames().find((f) => new URL(f.url(), 'http://x').pathname === path);
  await expect.poll(() => frameOf() !== undefined).toBe(true);
  const frame = frameOf()!;
  await frame.waitForLoadState('load');
  return frame;
}

/** Waits until the list shows exactly these subjects, top to bottom. */
export async function expectRows(page: Page, subjects: string[]): Promise<void> {
  await expect.poll(() => rowSubjects(page)).toEqual(subjects);
}
