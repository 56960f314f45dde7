import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { installCypress, type CypressShim } from './cypress-shim.js';
import { sendSamples, type Samples } from './samples.js';

type Mail = { ID: string; Content: { Headers: Record<string, string[]>; Body: string } };

// cypress-mailhog 2.5.0's own command code, its cy.request calls replayed with fetch.
describe('cypress-mailhog 2.5.0 against Sluice', () => {
  let sluice: TestSluice;
  let shim: CypressShim;
  let ids: Samples;

  beforeAll(async () => {
    sluice = await startSluice(['--enable-chaos']);
    shim = installCypress({ mailHogUrl: sluice.baseUrl + '/' });
    const entry = 'cypress-mailhog'; // computed: its types/ declare Cypress globals, not a module
    await import(entry);
    ids = await sendSamples(sluice);
  });
  afterAll(() => sluice.close());

  const requests = () => shim.requests.splice(0).map((r) => `${r.method} ${r.url} ${r.status}`);

  it('gets all mails and filters them by subject, recipient and sender', async () => {
    const all = (await shim.run('mhGetAllMails')) as Mail[];
    expect(all.map((m) => m.ID)).toEqual([ids.rich, ids.korean, ids.plain].map(String));
    const bySubject = (await shim.run('mhGetMailsBySubject', 'Hello')) as Mail[];
    expect(bySubject.map((m) => m.ID)).toEqual([String(ids.plain)]);
    const byRecipient = (await shim.run(
      'mhGetMailsByRecipient',
      'bob+receipts@example.com',
    )) as Mail[];
    expect(byRecipient.map((m) => m.ID)).toEqual([String(ids.rich)]);
    const bySender = (await shim.run('mhGetMailsBySender', 'minsu@example.kr')) as Mail[];
    expect(bySender.map((m) => m.ID)).toEqual([String(ids.korean)]);
    expect(requests()).toEqual(Array(4).fill('GET /api/v2/messages?limit=50 200'));
  });

  it('searches and reads subject, body, sender, recipients and attachments', async () => {
    const found = (await shim.run('mhSearchMails', 'containing', 'RCPT-1', 10)) as Mail[];
    expect(found.map((m) => m.ID)).toEqual([String(ids.rich)]);
    expect(requests()).toEqual(['GET /api/v2/search?kind=containing&query=RCPT-1&limit=10 200']);
    const mail = found[0];
    expect(await shim.run('mhGetSubject', mail)).toBe('Your receipt');
    expect(await shim.run('mhGetBody', mail)).toContain('RCPT-1');
    expect(await shim.run('mhGetSender', mail)).toBe('billing@example.com');
    expect(await shim.run('mhGetRecipients', mail)).toEqual(['bob+receipts@example.com']);
    expect(await shim.run('mhGetAttachments', mail)).toEqual(['report.pdf']);
  });

  it('switches Jim on and off', async () => {
    expect(await shim.run('mhGetJimMode')).toBe(false);
    await shim.run('mhSetJimMode', true);
    expect(await shim.run('mhGetJimMode')).toBe(true);
    await shim.run('mhSetJimMode', false);
    expect(await shim.run('mhGetJimMode')).toBe(false);
    expect(requests()).toEqual([
      'GET /api/v2/jim 404',
      'POST /api/v2/jim 201',
      'GET /api/v2/jim 200',
      'DELETE /api/v2/jim 200',
      'GET /api/v2/jim 404',
    ]);
  });

  it('deletes all mails', async () => {
    await shim.run('mhDeleteAll');
    expect(requests()).toEqual(['DELETE /api/v1/messages 200']);
    expect((await shim.run('mhGetAllMails')) as Mail[]).toEqual([]);
  });
});
