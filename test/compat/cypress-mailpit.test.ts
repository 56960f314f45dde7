import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { installCypress, type CypressShim } from './cypress-shim.js';
import { KOREAN_SUBJECT, sendSamples, type Samples } from './samples.js';

interface Summary {
  messages_count: number;
  messages: { ID: string; Subject: string }[];
}
interface Message {
  ID: string;
  Subject: string;
  To: { Address: string }[];
  From: { Address: string };
  Attachments: { FileName: string }[];
}

// cypress-mailpit's own command code (1.4.0: 2.0.0 sends the same requests but needs a
// cypress peer the registry lacks), its cy.request calls replayed with fetch.
describe('cypress-mailpit against Sluice', () => {
  let sluice: TestSluice;
  let shim: CypressShim;
  let ids: Samples;

  beforeAll(async () => {
    sluice = await startSluice();
    shim = installCypress({ MAILPIT_URL: sluice.baseUrl, defaultCommandTimeout: 10_000 });
    // The package's "main" names a folder it does not ship; its entry is index.js. A
    // computed specifier keeps tsc from type-checking the package's .ts sources beside it.
    const entry = 'cypress-mailpit/index.js';
    await import(entry);
    ids = await sendSamples(sluice);
  });
  afterAll(() => sluice.close());

  const requests = () => shim.requests.splice(0).map((r) => `${r.method} ${r.url} ${r.status}`);

  it('lists, gets the latest mail and reads its fields', async () => {
    const all = (await shim.run('mailpitGetAllMails')) as Summary;
    expect(all.messages.map((m) => m.ID)).toEqual([ids.rich, ids.korean, ids.plain].map(String));
    const latest = (await shim.run('mailpitGetMail')) as Message;
    expect(await shim.run('mailpitGetSubject', latest)).toBe('Your receipt');
    expect(await shim.run('mailpitGetRecipientAddress', latest)).toEqual([
      'bob+receipts@example.com',
    ]);
    expect(await shim.run('mailpitGetFromAddress', latest)).toBe('billing@example.com');
    expect(await shim.run('mailpitGetAttachments', latest)).toEqual(['report.pdf']);
    expect(await shim.run('mailpitGetMailHTMlBody', latest)).toContain('<b>RCPT-1</b>');
    expect(await shim.run('mailpitGetMailTextBody', latest)).toContain('RCPT-1 in text');
    expect(requests()).toEqual([
      'GET /api/v1/messages?start=0&limit=50 200',
      'GET /api/v1/message/latest 200',
      // The plugin builds `${base}/` + `/view/...`; the redirect to /view/... is followed.
      `GET //view/${ids.rich}.html 200`,
      `GET //view/${ids.rich}.txt 200`,
    ]);
  });

  it('searches by subject and recipient, and waits for a match', async () => {
    const bySubject = (await shim.run('mailpitGetEmailsBySubject', KOREAN_SUBJECT)) as Summary;
    expect(bySubject.messages.map((m) => m.ID)).toEqual([String(ids.korean)]);
    const byTo = (await shim.run('mailpitGetEmailsByTo', 'alice@example.com')) as Summary;
    expect(byTo.messages.map((m) => m.ID)).toEqual([String(ids.plain)]);
    const has = (await shim.run('mailpitHasEmailsBySubject', 'Hello')) as Summary;
    expect(has.messages_count).toBe(1);
    const hasNot = (await shim.run('mailpitNotHasEmailsByTo', 'nobody@example.com')) as Summary;
    expect(hasNot.messages_count).toBe(0);
    expect(requests()).toEqual([
      `GET /api/v1/search?query=subject%3A${encodeURIComponent(KOREAN_SUBJECT).replace(/%20/g, '+')}&start=0&limit=50 200`,
      'GET /api/v1/search?query=to%3Aalice%40example.com&start=0&limit=50 200',
      'GET /api/v1/search?query=subject%3AHello&start=0&limit=50 200',
      'GET /api/v1/search?query=to%3Anobody%40example.com&start=0&limit=50 200',
    ]);
  });

  it('marks read and unread, sends, and deletes by search and all', async () => {
    const latest = (await shim.run('mailpitGetMail')) as Message;
    await shim.run('mailpitSetStatusAsRead', latest);
    expect(((await shim.run('mailpitSearchEmails', 'is:read')) as Summary).messages_count).toBe(1);
    await shim.run('mailpitSetAllEmailStatusAsRead');
    expect(((await shim.run('mailpitSearchEmails', 'is:unread')) as Summary).messages_count).toBe(
      0,
    );
    await shim.run('mailpitSetAllEmailStatusAsUnRead');
    expect(((await shim.run('mailpitSearchEmails', 'is:read')) as Summary).messages_count).toBe(0);

    const sent = (await shim.run('mailpitSendMail')) as { ID: string };
    const message = (await shim.run('mailpitGetMail', sent.ID)) as Message;
    expect(message.Subject).toBe('Hello Mailpit');
    expect(message.To.map((t) => t.Address)).toEqual(['jane@example.com']);

    await shim.run('mailpitDeleteEmailsBySearch', 'subject:Mailpit');
    expect(((await shim.run('mailpitGetAllMails')) as Summary).messages_count).toBe(3);
    await shim.run('mailpitDeleteAllEmails');
    expect(((await shim.run('mailpitGetAllMails')) as Summary).messages_count).toBe(0);
    expect(requests().filter((r) => !r.startsWith('GET'))).toEqual([
      'PUT /api/v1/messages 200',
      'PUT /api/v1/messages 200',
      'PUT /api/v1/messages 200',
      'POST /api/v1/send 200',
      'DELETE /api/v1/search?query=subject%3AMailpit 200',
      'DELETE /api/v1/messages 200',
    ]);
  });
});
