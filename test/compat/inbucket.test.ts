import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendMail } from '../web/support.js';
import { KOREAN_SUBJECT, KOREAN_TEXT, PDF, sendSamples, type Samples } from './samples.js';

/** The client's methods used here (its package ships .ts sources that tsc would check). */
interface InbucketClient {
  mailbox(name: string): Promise<{ id: string; mailbox: string; from: string; subject: string }[]>;
  message(
    name: string,
    id: string,
  ): Promise<{
    id: string;
    subject: string;
    body: { text: string; html: string };
    header: Record<string, string[]>;
    attachments: { filename: string; 'content-type': string; 'download-link': string }[];
  }>;
  messageSource(name: string, id: string): Promise<unknown>;
  deleteMessage(name: string, id: string): Promise<string>;
  purgeMailbox(name: string): Promise<string>;
}

// The real `inbucket-js-client` (pinned in devDependencies) against a running Sluice.
describe('inbucket-js-client 2.0.0 against Sluice', () => {
  let sluice: TestSluice;
  let inbucket: InbucketClient;
  let ids: Samples;
  let second: number;

  beforeAll(async () => {
    sluice = await startSluice();
    const entry = 'inbucket-js-client';
    const { InbucketAPIClient } = (await import(entry)) as {
      InbucketAPIClient: new (base: string) => InbucketClient;
    };
    inbucket = new InbucketAPIClient(sluice.baseUrl);
    ids = await sendSamples(sluice);
    second = await sendMail(sluice, {
      from: 'shop@example.com',
      to: 'BOB@example.com',
      subject: 'Second for bob',
      text: 'two',
    });
    // "xbob" contains "bob" but is another mailbox.
    await sendMail(sluice, {
      from: 'a@example.com',
      to: 'xbob@example.com',
      subject: 'not bob',
      text: 'x',
    });
  });
  afterAll(() => sluice.close());

  it('lists a mailbox (local part, lower-cased, +tag stripped) oldest first', async () => {
    const bob = await inbucket.mailbox('bob');
    expect(bob.map((m) => m.id)).toEqual([ids.rich, second].map(String));
    expect(bob[0]!.mailbox).toBe('bob');
    expect(bob[0]!.from).toBe('Billing <billing@example.com>');
    expect(bob[0]!.subject).toBe('Your receipt');
    expect(await inbucket.mailbox('nobody')).toEqual([]);
  });

  it('reads a message with its bodies, headers and attachment links', async () => {
    const korean = await inbucket.message('jiwoo', String(ids.korean));
    expect(korean.subject).toBe(KOREAN_SUBJECT);
    expect(korean.body.text).toContain(KOREAN_TEXT);
    expect(korean.header['Message-Id']).toEqual(['<charset-euc-kr@sluice.test>']);

    const rich = await inbucket.message('bob', String(ids.rich));
    expect(rich.body.html).toContain('<b>RCPT-1</b>');
    const pdf = rich.attachments.find((a) => a.filename === 'report.pdf')!;
    expect(pdf['content-type']).toBe('application/pdf');
    const download = await fetch(pdf['download-link']);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PDF);

    const latest = await inbucket.message('bob', 'latest');
    expect(latest.id).toBe(String(second));
    // Another mailbox's message is not in this one.
    await expect(inbucket.message('alice', String(ids.rich))).rejects.toThrow();
  });

  it('serves the source as text, as Inbucket does (the client then fails to parse it as JSON)', async () => {
    const response = await fetch(`${sluice.baseUrl}/api/v1/mailbox/alice/${ids.plain}/source`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toContain('this is a plain and simple message');
    await expect(inbucket.messageSource('alice', String(ids.plain))).rejects.toThrow();
  });

  it('deletes a message and purges a mailbox', async () => {
    expect(await inbucket.deleteMessage('bob', String(second))).toBe('OK');
    expect((await inbucket.mailbox('bob')).map((m) => m.id)).toEqual([String(ids.rich)]);
    expect(await inbucket.purgeMailbox('bob')).toBe('OK');
    expect(await inbucket.mailbox('bob')).toEqual([]);
    expect((await inbucket.mailbox('xbob')).length).toBe(1);
  });
});

describe('MailCatcher and MailDev 3 routes', () => {
  let sluice: TestSluice;
  let ids: Samples;

  beforeAll(async () => {
    sluice = await startSluice();
    ids = await sendSamples(sluice);
  });
  afterAll(() => sluice.close());

  it('MailDev: a capped list keeps the newest, oldest first, and says how many there are', async () => {
    const response = await sluice.api('/email?limit=2');
    const emails = (await response.json()) as { id: string }[];
    expect(emails.map((e) => e.id)).toEqual([ids.korean, ids.rich].map(String));
    expect(response.headers.get('x-total-count')).toBe('3');
    expect(response.headers.get('x-sluice-truncated')).toMatch(/^2 of 3/);
    const skipped = (await sluice.getJson('/email?skip=1&limit=1')) as { id: string }[];
    expect(skipped.map((e) => e.id)).toEqual([String(ids.korean)]);
  });

  it('MailCatcher: integer ids oldest first, formats, parts and deletes with 204', async () => {
    const list =
      await sluice.getJson<{ id: number; sender: string; recipients: string[] }[]>('/messages');
    expect(list.map((m) => m.id)).toEqual([ids.plain, ids.korean, ids.rich]);
    expect(list[0]!.sender).toBe('<sender@example.com>');
    expect(list[0]!.recipients).toEqual(['<alice@example.com>']);
    const json = await sluice.getJson(`/messages/${ids.rich}.json`);
    expect(json.formats).toEqual(['source', 'html', 'plain']);
    const logo = json.attachments.find((a: { cid: string }) => a.cid === 'logo@sluice.test');
    expect((await fetch(sluice.baseUrl + logo.href)).status).toBe(200);
    expect(await (await fetch(`${sluice.baseUrl}/messages/${ids.korean}.plain`)).text()).toContain(
      KOREAN_TEXT,
    );
    expect(await (await fetch(`${sluice.baseUrl}/messages/${ids.rich}.html`)).text()).toContain(
      'RCPT-1',
    );
    expect(
      (await fetch(`${sluice.baseUrl}/messages/${ids.plain}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect(
      (await fetch(`${sluice.baseUrl}/messages/${ids.plain}`, { method: 'DELETE' })).status,
    ).toBe(404);
  });

  it('MailDev 3: summary newest first, delete by ids with what was not found', async () => {
    const summary = await sluice.getJson('/api/email/summary?limit=1');
    expect(summary.items.map((i: { id: string }) => i.id)).toEqual([String(ids.rich)]);
    expect(summary.total).toBe(2);
    const found = await sluice.getJson(`/api/email/summary?search=${encodeURIComponent('회의')}`);
    expect(found.items.map((i: { id: string }) => i.id)).toEqual([String(ids.korean)]);
    const response = await sluice.api('/api/email/delete', {
      json: { ids: [String(ids.korean), '999'] },
    });
    expect(await response.json()).toEqual({ deleted: [String(ids.korean)], notFound: ['999'] });
    expect((await sluice.api(`/api/email/${ids.korean}`)).status).toBe(404);
  });
});
