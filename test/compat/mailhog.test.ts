import mailhog from 'mailhog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendFixture, sendMail } from '../web/support.js';
import { KOREAN_SUBJECT, KOREAN_TEXT, PDF, sendSamples, type Samples } from './samples.js';

// The real `mailhog` npm client (pinned in devDependencies) against a running Sluice.
describe('mailhog 4.16.0 against Sluice', () => {
  let sluice: TestSluice;
  let client: ReturnType<typeof mailhog>;
  let ids: Samples;
  let alternative: number;

  beforeAll(async () => {
    sluice = await startSluice();
    client = mailhog({ host: '127.0.0.1', port: sluice.addresses.http.port });
    ids = await sendSamples(sluice);
    alternative = await sendFixture(sluice, 'multipart-alternative.eml', {
      from: 'news@example.com',
      to: ['dave@example.com'],
    });
  });
  afterAll(() => sluice.close());

  it('lists messages newest first with the parsed getters', async () => {
    const result = (await client.messages())!;
    expect(result.total).toBe(4);
    expect(result.count).toBe(4);
    expect(result.items.map((m) => m.ID)).toEqual(
      [alternative, ids.rich, ids.korean, ids.plain].map(String),
    );
    const korean = result.items[2]!;
    expect(korean.subject).toBe(KOREAN_SUBJECT);
    expect(korean.from).toBe('Kim Minsu <minsu@example.kr>');
    expect(korean.to).toBe('jiwoo@example.kr');
    expect(korean.deliveryDate.getTime()).not.toBeNaN();

    const html = result.items[0]!;
    expect(html.html).toContain('HTML-ALT-42');
    expect(html.text).toContain('PLAIN-ALT-42');

    const rich = result.items[1]!;
    expect(rich.subject).toBe('Your receipt');
    expect(rich.attachments.map((a) => a.name)).toEqual(['report.pdf']);
    expect(Buffer.from(rich.attachments[0]!.Body, 'base64')).toEqual(PDF);
    // Fields outside the client's typings, which cypress-mailhog reads.
    const raw = rich as unknown as {
      Raw: { From: string };
      To: { Mailbox: string; Domain: string }[];
    };
    expect(raw.Raw.From).toBe('billing@example.com');
    expect(raw.To.map((p) => `${p.Mailbox}@${p.Domain}`)).toEqual(['bob+receipts@example.com']);
  });

  it('gives Korean text in its transfer encoding, which the client decodes', async () => {
    // The EUC-KR fixture's body is raw 8-bit, which JSON cannot carry as it is (MailHog's
    // Go encoder replaces it too); a message in base64 or quoted-printable survives.
    const id = await sendMail(sluice, {
      from: 'minsu@example.kr',
      to: 'jiwoo@example.kr',
      subject: KOREAN_SUBJECT,
      text: KOREAN_TEXT,
    });
    const latest = await client.latestTo('jiwoo@example.kr');
    expect(latest!.ID).toBe(String(id));
    expect(latest!.subject).toBe(KOREAN_SUBJECT);
    expect(latest!.text).toContain(KOREAN_TEXT);
    await client.deleteMessage(String(id));
  });

  it('pages with start and limit', async () => {
    const page = (await client.messages(1, 2))!;
    expect(page.start).toBe(1);
    expect(page.items.map((m) => m.ID)).toEqual([ids.rich, ids.korean].map(String));
  });

  it('searches by kind and finds the latest to an address', async () => {
    const from = (await client.search('billing@example.com', 'from'))!;
    expect(from.items.map((m) => m.ID)).toEqual([String(ids.rich)]);
    const containing = (await client.search('RCPT-1'))!;
    expect(containing.items.map((m) => m.ID)).toEqual([String(ids.rich)]);
    const latest = await client.latestTo('jiwoo@example.kr');
    expect(latest && latest.subject).toBe(KOREAN_SUBJECT);
    expect(await client.latestFrom('nobody@nowhere.test')).toBeFalsy();
    expect((await client.latestContaining('PLAIN-ALT-42'))!.ID).toBe(String(alternative));
  });

  it('deletes one message and then all of them', async () => {
    await client.deleteMessage(String(ids.plain));
    expect((await client.messages())!.total).toBe(3);
    await client.deleteAll();
    expect((await client.messages())!.total).toBe(0);
  });

  it('answers an unknown id with 404, and a client-encoded id with its @host suffix', async () => {
    const id = await sendMail(sluice, {
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 's',
      text: 't',
    });
    const suffixed = await fetch(`${sluice.baseUrl}/api/v1/messages/${id}%40mailhog.example`);
    expect(((await suffixed.json()) as { ID: string }).ID).toBe(String(id));
    expect((await fetch(`${sluice.baseUrl}/api/v1/messages/999999`)).status).toBe(404);
  });
});
