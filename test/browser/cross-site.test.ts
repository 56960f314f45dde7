import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { launchBrowser, sendMail } from './browser.js';
import { Listener } from './listener.js';

// Another site open in the same browser tries to act on the inbox (CSRF) and to read it.
// Sluice is at http://localhost:PORT, the other site at http://127.0.0.1:OTHER: a different
// site to the browser. Every attempt must leave the mailbox as it was.

let browser: Browser;
let sluice: TestSluice;
let attacker: Listener;
let target: string;

beforeAll(async () => {
  browser = await launchBrowser();
  sluice = await startSluice();
  attacker = await Listener.start();
  target = `http://localhost:${sluice.addresses.http.port}`;
  await sendMail(sluice, { subject: 'Keep me' });
});
afterAll(async () => {
  await browser?.close();
  await attacker?.close();
  await sluice?.close();
});

const total = async () => (await sluice.getJson('/api/messages')).total as number;

/** A page on the other site that submits a form to the inbox as soon as it loads. */
function formPage(name: string, enctype: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([key, value]) => `<input type="hidden" name='${key}' value='${value}'>`)
    .join('');
  return attacker.serve(
    `/${name}.html`,
    'text/html',
    `<form method="POST" action="${target}/api/messages/delete" enctype="${enctype}">${inputs}</form>` +
      '<script>document.forms[0].submit()</script>',
  );
}

describe('a page on another site', () => {
  it.each([
    // text/plain makes the body {"all":true,"x":"="}: JSON-looking, but still refused.
    ['text-plain', 'text/plain', { '{"all":true,"x":"': '"}' }],
    ['urlencoded', 'application/x-www-form-urlencoded', { all: 'true' }],
    ['multipart', 'multipart/form-data', { all: 'true' }],
  ])('cannot delete mail with a %s form', async (name, enctype, fields) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const answered = page.waitForResponse(`${target}/api/messages/delete`);
      await page.goto(formPage(name, enctype, fields));
      const response = await answered;
      expect(response.status()).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'forbidden_origin',
      );
      expect(await total()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('cannot act with fetch() nor read the mailbox or its event stream', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(attacker.serve('/fetch.html', 'text/html', '<p>nothing to see</p>'));
      const outcome = await page.evaluate(async (base) => {
        const attempts: string[] = [];
        const tryIt = async (label: string, run: () => Promise<unknown>) => {
          try {
            attempts.push(`${label}: ${JSON.stringify(await run())}`);
          } catch (error) {
            attempts.push(`${label}: failed ${(error as Error).name}`);
          }
        };
        await tryIt('no-cors delete', () =>
          fetch(`${base}/api/messages/delete`, {
            method: 'POST',
            mode: 'no-cors',
            body: '{"all":true}',
          }).then((r) => r.type),
        );
        await tryIt('no-cors retry', () =>
          fetch(`${base}/api/relay/outbox/1/retry`, { method: 'POST', mode: 'no-cors' }).then(
            (r) => r.type,
          ),
        );
        await tryIt('read', () => fetch(`${base}/api/messages`).then((r) => r.json()));
        await tryIt(
          'events',
          () =>
            new Promise((resolve) => {
              const source = new EventSource(`${base}/api/events`);
              source.onmessage = () => resolve('message');
              source.onerror = () => {
                source.close();
                resolve('error');
              };
            }),
        );
        return attempts;
      }, target);
      expect(outcome).toEqual([
        'no-cors delete: "opaque"',
        'no-cors retry: "opaque"',
        'read: failed TypeError',
        'events: "error"',
      ]);
      expect(await total()).toBe(1);
    } finally {
      await context.close();
    }
  });
});
