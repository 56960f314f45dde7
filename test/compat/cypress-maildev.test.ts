import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { installCypress, type CypressShim } from './cypress-shim.js';
import { KOREAN_SUBJECT, KOREAN_TEXT, sendSamples, type Samples } from './samples.js';

interface Email {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
  attachments: { fileName: string }[] | null;
}

// cypress-maildev 2.0.0's own command code, its cy.request calls replayed with fetch.
describe('cypress-maildev 2.0.0 against Sluice', () => {
  let sluice: TestSluice;
  let shim: CypressShim;
  let ids: Samples;

  beforeAll(async () => {
    sluice = await startSluice();
    shim = installCypress({
      MAILDEV_PROTOCOL: 'http',
      MAILDEV_HOST: '127.0.0.1',
      MAILDEV_API_PORT: sluice.addresses.http.port,
    });
    await import('cypress-maildev');
    ids = await sendSamples(sluice);
  });
  afterAll(() => sluice.close());

  const requests = () => shim.requests.splice(0).map((r) => `${r.method} ${r.url} ${r.status}`);

  it('lists oldest first, so that the last message is the latest', async () => {
    const all = (await shim.run('maildevGetAllMessages')) as Email[];
    expect(all.map((e) => e.id)).toEqual([ids.plain, ids.korean, ids.rich].map(String));
    const last = (await shim.run('maildevGetLastMessage')) as Email;
    expect(last.id).toBe(String(ids.rich));
    expect(last.html).toContain('<b>RCPT-1</b>');
    expect(last.attachments!.map((a) => a.fileName)).toEqual(['logo.png', 'report.pdf']);
    expect(requests()).toEqual(['GET /email 200', 'GET /email 200']);
  });

  it('finds by subject and by recipient, and gets one by id', async () => {
    const korean = (await shim.run('maildevGetMessageBySubject', KOREAN_SUBJECT)) as Email;
    expect(korean.id).toBe(String(ids.korean));
    expect(korean.text).toContain(KOREAN_TEXT);
    const toBob = (await shim.run(
      'maildevGetMessageBySentTo',
      'bob+receipts@example.com',
    )) as Email;
    expect(toBob.id).toBe(String(ids.rich));
    const byId = (await shim.run('maildevGetMessageById', String(ids.plain))) as Email;
    expect(byId.subject).toBe('Hello');
    expect(await shim.run('maildevGetOTPCode', 'your code is 123456.')).toBe('123456');
    expect(await shim.run('maildevHealthcheck')).toBe(true);
    expect(requests()).toEqual([
      'GET /email 200',
      'GET /email 200',
      `GET /email/${ids.plain} 200`,
      'GET /healthz 200',
    ]);
  });

  it('visits the HTML, deletes one and then all', async () => {
    await shim.run('maildevVisitMessageById', String(ids.rich));
    expect(await shim.run('maildevDeleteMessageById', String(ids.plain))).toBe(true);
    expect(await shim.run('maildevDeleteAllMessages')).toBe(true);
    expect((await shim.run('maildevGetAllMessages')) as Email[]).toEqual([]);
    expect(requests()).toEqual([
      `GET /email/${ids.rich}/html 200`,
      `DELETE /email/${ids.plain} 200`,
      'DELETE /email/all 200',
      'GET /email 200',
    ]);
  });
});
