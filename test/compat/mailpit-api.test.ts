import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendMail } from '../web/support.js';
import { KOREAN_SUBJECT, KOREAN_TEXT, PDF, PNG, sendSamples, type Samples } from './samples.js';

// The real `mailpit-api` npm client (pinned in devDependencies) against a running Sluice.
describe('mailpit-api 2.1.0 against Sluice', () => {
  let sluice: TestSluice;
  let mailpit: MailpitClient;
  let ids: Samples;

  beforeAll(async () => {
    sluice = await startSluice();
    mailpit = new MailpitClient(sluice.baseUrl);
    ids = await sendSamples(sluice);
  });
  afterAll(() => sluice.close());

  it('lists newest first with the totals, tags and ids as strings', async () => {
    const list = await mailpit.listMessages();
    expect(list.total).toBe(3);
    expect(list.messages_count).toBe(3);
    expect(list.unread).toBe(3);
    expect(list.count).toBe(3);
    expect(list.messages.map((m) => m.ID)).toEqual([ids.rich, ids.korean, ids.plain].map(String));
    expect(list.tags).toEqual(['receipts']);
    const korean = list.messages[1]!;
    expect(korean.Subject).toBe(KOREAN_SUBJECT);
    expect(korean.From).toEqual({ Name: 'Kim Minsu', Address: 'minsu@example.kr' });
    expect(korean.To).toEqual([{ Name: '', Address: 'jiwoo@example.kr' }]);
    expect(list.messages[0]!.Attachments).toBe(1);
    expect(new Date(korean.Created).getTime()).not.toBeNaN();
    const paged = await mailpit.listMessages(1, 1);
    expect(paged.messages.map((m) => m.ID)).toEqual([String(ids.korean)]);
    expect(paged.start).toBe(1);
    const old = await sluice.getJson('/api/v1/messages?before=2000-01-01T00:00:00Z');
    expect([old.messages.length, old.messages_count, old.total]).toEqual([0, 0, 3]);
  });

  it('searches with Mailpit words, and counts the matches', async () => {
    const found = await mailpit.searchMessages({ query: 'subject:receipt' });
    expect(found.messages.map((m) => m.ID)).toEqual([String(ids.rich)]);
    expect(found.messages_count).toBe(1);
    expect(found.total).toBe(3);
    const korean = await mailpit.searchMessages({ query: '회의' });
    expect(korean.messages.map((m) => m.ID)).toEqual([String(ids.korean)]);
    const tagged = await mailpit.searchMessages({ query: 'tag:receipts' });
    expect(tagged.messages.map((m) => m.ID)).toEqual([String(ids.rich)]);
    const negated = await mailpit.searchMessages({ query: '!from:billing' });
    expect(negated.messages_count).toBe(2);
  });

  it('gets a message by id and as latest, with bodies, parts and addresses', async () => {
    const korean = await mailpit.getMessageSummary(String(ids.korean));
    expect(korean.Subject).toBe(KOREAN_SUBJECT);
    expect(korean.Text).toContain(KOREAN_TEXT);
    expect(korean.MessageID).toBe('charset-euc-kr@sluice.test');
    expect(korean.Date).toBe('2025-01-17T01:00:00.000Z');

    const latest = await mailpit.getMessageSummary();
    expect(latest.ID).toBe(String(ids.rich));
    expect(latest.HTML).toContain('<b>RCPT-1</b>');
    expect(latest.Text).toContain('RCPT-1 in text');
    expect(latest.To).toEqual([{ Name: 'Bob Builder', Address: 'bob+receipts@example.com' }]);
    expect(latest.Tags).toEqual(['receipts']);
    expect(latest.Attachments.map((a) => [a.FileName, a.ContentType])).toEqual([
      ['report.pdf', 'application/pdf'],
    ]);
    expect(latest.Inline.map((a) => [a.FileName, a.ContentID])).toEqual([
      ['logo.png', 'logo@sluice.test'],
    ]);
    expect(latest.ReturnPath).toBe('billing@example.com');

    const plain = await mailpit.getMessageSummary(String(ids.plain));
    expect(plain.HTML).toBe('');
    expect(plain.Attachments).toEqual([]);
  });

  it('answers latest with ?query= and reads the source, headers and parts', async () => {
    const response = await fetch(`${sluice.baseUrl}/api/v1/message/latest?query=from:minsu`);
    expect(((await response.json()) as { ID: string }).ID).toBe(String(ids.korean));

    const source = await mailpit.getMessageSource(String(ids.plain));
    expect(source).toContain('this is a plain and simple message');
    expect(source).toMatch(/^From: sender@example.com\r\n/);

    const headers = await mailpit.getMessageHeaders(String(ids.korean));
    expect(headers['Message-Id']).toEqual(['<charset-euc-kr@sluice.test>']);
    expect(headers['Subject']).toEqual(['=?EUC-KR?B?yLjAxyC+yLO7?=']);
    expect(Object.keys(headers)).toEqual([...Object.keys(headers)].sort());

    const message = await mailpit.getMessageSummary(String(ids.rich));
    const pdf = await mailpit.getMessageAttachment(message.ID, message.Attachments[0]!.PartID);
    expect(Buffer.from(await pdf.arrayBuffer())).toEqual(PDF);
    const png = await mailpit.getMessageAttachment(message.ID, message.Inline[0]!.PartID);
    expect(Buffer.from(await png.arrayBuffer())).toEqual(PNG);
  });

  it('renders the HTML and text views, cid images linked', async () => {
    const html = await mailpit.renderMessageHTML(String(ids.rich));
    expect(html).toContain('<b>RCPT-1</b>');
    const image = /src="([^"]+)"/.exec(html)![1]!;
    const fetched = await fetch(sluice.baseUrl + image);
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(PNG);
    expect(await mailpit.renderMessageText(String(ids.korean))).toContain(KOREAN_TEXT);
    const view = await fetch(`${sluice.baseUrl}/view/${ids.rich}.html`);
    expect(view.headers.get('content-security-policy')).toMatch(/sandbox/);
  });

  it('sets read status by ids, by search and for all', async () => {
    await mailpit.setReadStatus({ IDs: [String(ids.plain)], Read: true });
    expect(
      (await mailpit.listMessages()).messages.find((m) => m.ID === String(ids.plain))!.Read,
    ).toBe(true);
    await mailpit.setReadStatus({ Search: 'from:minsu', Read: true });
    expect((await mailpit.listMessages()).unread).toBe(1);
    await mailpit.setReadStatus({ Read: false });
    expect((await mailpit.listMessages()).unread).toBe(3);
    await mailpit.setReadStatus({ IDs: [], Read: true });
    expect((await mailpit.listMessages()).unread).toBe(0);
  });

  it('waits for a message that arrives later', async () => {
    const waiting = mailpit.waitForMessage(
      { query: 'subject:"Arrives later"' },
      { timeout: 20_000, interval: 50 },
    );
    const id = await sendMail(sluice, {
      from: 'late@example.com',
      to: 'alice@example.com',
      subject: 'Arrives later',
      text: 'late',
    });
    expect((await waiting).ID).toBe(String(id));
  });

  it('sends through /api/v1/send, tags, and deletes by search and all', async () => {
    const sent = await mailpit.sendMessage({
      From: { Email: 'app@example.com', Name: 'App' },
      To: [{ Email: 'carol@example.com' }],
      Subject: 'Sent by API',
      Text: 'hello from the send API',
      Tags: ['api'],
    });
    const message = await mailpit.getMessageSummary(sent.ID);
    expect(message.Subject).toBe('Sent by API');
    expect(message.Tags).toEqual(['api']);
    await mailpit.setTags({ IDs: [sent.ID], Tags: ['Later', 'api'] });
    expect(await mailpit.getTags()).toEqual(['api', 'Later', 'receipts']);
    await mailpit.renameTag('Later', 'Someday');
    await mailpit.deleteTag('api');
    expect((await mailpit.getMessageSummary(sent.ID)).Tags).toEqual(['Someday']);

    await mailpit.deleteMessagesBySearch({ query: 'from:minsu' });
    expect((await mailpit.searchMessages({ query: 'from:minsu' })).messages_count).toBe(0);
    expect(await mailpit.deleteMessages({ IDs: [sent.ID] })).toBe('');
    expect((await mailpit.listMessages()).total).toBe(3);
    await mailpit.deleteMessages();
    expect((await mailpit.listMessages()).total).toBe(0);
  });

  it('refuses a DELETE whose body is not JSON ids, or a search without terms', async () => {
    await sendMail(sluice, {
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'keep',
      text: 'x',
    });
    const response = await fetch(`${sluice.baseUrl}/api/v1/messages`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'ids=1&ids=2',
    });
    // Refused before the route, like any write whose body is not JSON (a form's body).
    expect(response.status).toBe(415);
    await expect(mailpit.deleteMessagesBySearch({ query: '""' })).rejects.toThrow(/400/);
    expect((await mailpit.listMessages()).total).toBe(1);
  });
});
