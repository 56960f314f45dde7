import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { queuedId } from '../mail/smtp-send.js';

/** The messages under search, by name; each goes over SMTP through nodemailer. */
const MESSAGES = {
  quarterly: {
    from: '"Alice Anders" <alice@example.com>',
    to: 'bob@example.com',
    subject: 'Quarterly report Q3',
    text: 'The quarterly numbers are attached.',
    attachments: [
      { filename: 'report-2024.pdf', content: '%PDF-1.4 tiny' },
      { filename: 'résumé.txt', content: 'cv' },
    ],
  },
  lunch: {
    from: 'carol@example.com',
    to: 'dave@example.com',
    cc: 'erin@example.com',
    subject: 'Lunch plans',
    text: "Let's meet at the usual place at noon.",
  },
  korean: {
    from: 'minsu@example.kr',
    to: 'jiwoo@example.kr',
    subject: '회의 안내',
    text: '다음 주 월요일 오전 열 시에 회의가 있습니다.',
  },
  japanese: {
    from: 'tanaka@example.jp',
    to: 'yamada@example.jp',
    subject: '会議のお知らせ',
    text: '明日の会議は午後三時から第二会議室で行います。',
  },
  chinese: {
    from: 'li@example.cn',
    to: 'wang@example.cn',
    subject: '项目进度',
    text: '我们的项目进度很好，下周发布新版本。',
  },
  bcc: {
    from: 'paula@example.com',
    to: 'alice@example.com',
    bcc: 'hidden@example.net',
    subject: 'Kickoff',
    text: 'Kickoff is on Friday.',
  },
  syntax: {
    from: 'syntax@example.com',
    to: 'parser@example.com',
    subject: 'Special (chars) "quoted" NEAR/2 ^caret',
    text: 'The price is 5*3 = 15 (approx) and a^b, {col}: x.',
  },
  cases: {
    from: 'cases@example.com',
    to: 'alice@example.com',
    subject: 'UPPERCASE Mixed lowercase',
    text: 'Hello WORLD, привет МИР, Straße CAFÉ.',
  },
  phrase: {
    from: 'fox@example.com',
    to: 'alice@example.com',
    subject: 'Pangram',
    text: 'The quick brown fox jumps over the lazy dog.',
  },
  reversed: {
    from: 'fox@example.com',
    to: 'alice@example.com',
    subject: 'Reversed',
    text: 'The brown quick fox sleeps.',
  },
  invoice: {
    from: 'billing@example.com',
    to: 'bob@example.com',
    subject: 'Your invoice',
    html: '<p>Invoice <b>INV-7781</b> is due.</p>',
  },
} satisfies Record<string, Mail.Options>;

/** Stored through the store itself, since SMTP cannot set when a message arrived. */
const DATED = {
  old: { subject: 'Old newsletter', receivedAt: '2020-01-15T12:00:00Z' },
  mid: { subject: 'Mid newsletter', receivedAt: '2021-06-01T12:00:00Z' },
};

type Name = keyof typeof MESSAGES | keyof typeof DATED;
const ALL_NAMES = [...Object.keys(MESSAGES), ...Object.keys(DATED)] as Name[];

describe('the search language', () => {
  let sluice: TestSluice;
  const ids = new Map<Name, number>();
  const names = new Map<number, Name>();

  /** The names of the messages a query finds, sorted; fails on a non-200 answer. */
  async function find(query: string): Promise<Name[]> {
    const list = await sluice.getJson(`/api/messages?limit=500&query=${encodeURIComponent(query)}`);
    expect(list.total).toBe(list.messages.length);
    return list.messages.map((m: { id: number }) => names.get(m.id)!).sort();
  }
  const except = (...excluded: Name[]) => ALL_NAMES.filter((n) => !excluded.includes(n)).sort();

  beforeAll(async () => {
    sluice = await startSluice();
    const composer = nodemailer.createTransport({ streamTransport: true, buffer: true });
    for (const [name, { subject, receivedAt }] of Object.entries(DATED)) {
      const built = await composer.sendMail({
        from: 'news@example.com',
        to: 'alice@example.com',
        subject,
        text: 'Monthly news.',
      });
      const raw = built.message as Buffer;
      const stored = await sluice.app.store.addMessage({
        raw,
        parsed: await parseMessage(raw),
        envelope: { mailFrom: 'news@example.com', rcptTo: ['alice@example.com'] },
        client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
        receivedAt: new Date(receivedAt),
      });
      ids.set(name as Name, stored.id);
    }
    const smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sluice.smtpPort,
      ignoreTLS: true,
    });
    for (const [name, mail] of Object.entries(MESSAGES)) {
      ids.set(name as Name, queuedId((await smtp.sendMail(mail)).response));
    }
    smtp.close();
    for (const [name, id] of ids) names.set(id, name);
  });
  afterAll(() => sluice?.close());

  it('finds free words in subject and body, anywhere inside a word', async () => {
    expect(await find('quarterly')).toEqual(['quarterly']);
    expect(await find('arterl')).toEqual(['quarterly']);
    expect(await find('noon')).toEqual(['lunch']);
    expect(await find('INV-7781')).toEqual(['invoice']);
    expect(await find('newsletter')).toEqual(['mid', 'old']);
  });

  it('finds text of two characters through the LIKE fallback', async () => {
    expect(await find('Q3')).toEqual(['quarterly']);
    expect(await find('a^')).toEqual(['syntax']);
  });

  it('ANDs terms and keeps a quoted phrase together', async () => {
    expect(await find('quick fox')).toEqual(['phrase', 'reversed']);
    expect(await find('"quick brown"')).toEqual(['phrase']);
    expect(await find('"brown quick" sleeps')).toEqual(['reversed']);
    expect(await find('quick lunch')).toEqual([]);
  });

  it('finds Korean, Japanese and Chinese substrings of two and of three or more characters', async () => {
    expect(await find('회의')).toEqual(['korean']);
    expect(await find('월요일')).toEqual(['korean']);
    expect(await find('안내')).toEqual(['korean']);
    expect(await find('会議')).toEqual(['japanese']);
    expect(await find('第二会議室')).toEqual(['japanese']);
    expect(await find('お知らせ')).toEqual(['japanese']);
    expect(await find('进度')).toEqual(['chinese']);
    expect(await find('下周发布')).toEqual(['chinese']);
    expect(await find('subject:项目')).toEqual(['chinese']);
    expect(await find('body:项目')).toEqual(['chinese']);
  });

  it('ignores case, for ASCII and beyond', async () => {
    expect(await find('QUARTERLY')).toEqual(['quarterly']);
    expect(await find('uppercase')).toEqual(['cases']);
    expect(await find('hello world')).toEqual(['cases']);
    expect(await find('ПРИВЕТ')).toEqual(['cases']);
    expect(await find('мир')).toEqual(['cases']);
    expect(await find('café')).toEqual(['cases']);
    expect(await find('cafe')).toEqual(['cases']);
  });

  it('ignores case and accents in terms of one or two characters too', async () => {
    // These go through LIKE, which on its own folds ASCII only.
    expect(await find('ми')).toEqual(['cases']);
    expect(await find('ПР')).toEqual(['cases']);
    expect(await find('fé')).toEqual(['cases']);
    expect(await find('FE')).toEqual(['cases']);
    expect(await find('Ш')).toEqual([]);
    expect(await find('É')).toEqual(await find('e'));
    expect(await find('SUBJECT:lunch')).toEqual(['lunch']);
  });

  it('matches from: on the display name, the address and the envelope sender', async () => {
    expect(await find('from:alice')).toEqual(['quarterly']);
    expect(await find('from:"Alice Anders"')).toEqual(['quarterly']);
    expect(await find('from:carol@example.com')).toEqual(['lunch']);
    expect(await find('from:news@example.com')).toEqual(['mid', 'old']);
  });

  it('matches to: on To and on envelope-only (BCC) recipients, cc: on Cc', async () => {
    expect(await find('to:bob')).toEqual(['invoice', 'quarterly']);
    expect(await find('to:hidden@example.net')).toEqual(['bcc']);
    expect(await find('to:erin')).toEqual([]);
    expect(await find('cc:erin')).toEqual(['lunch']);
    expect(await find('cc:dave')).toEqual([]);
  });

  it('restricts subject:, body: and filename: to their field', async () => {
    expect(await find('subject:lunch')).toEqual(['lunch']);
    expect(await find('subject:noon')).toEqual([]);
    expect(await find('body:noon')).toEqual(['lunch']);
    expect(await find('body:Kickoff')).toEqual(['bcc']);
    expect(await find('subject:"Your invoice"')).toEqual(['invoice']);
    expect(await find('filename:report')).toEqual(['quarterly']);
    expect(await find('filename:.pdf')).toEqual(['quarterly']);
    expect(await find('filename:resume')).toEqual(['quarterly']);
    expect(await find('filename:quarterly')).toEqual([]);
  });

  it('has:attachment', async () => {
    expect(await find('has:attachment')).toEqual(['quarterly']);
    expect(await find('-has:attachment')).toEqual(except('quarterly'));
  });

  it('before: and after: by the time a message arrived', async () => {
    expect(await find('before:2021-01-01')).toEqual(['old']);
    expect(await find('after:2021-01-01 before:2022-01-01')).toEqual(['mid']);
    expect(await find('after:2020-01-15T13:00:00Z newsletter')).toEqual(['mid']);
    expect(await find('after:2022-01-01')).toEqual(except('old', 'mid'));
    expect(await find('-before:2021-01-01 newsletter')).toEqual(['mid']);
  });

  it('negates any term with a leading minus', async () => {
    expect(await find('-quarterly')).toEqual(except('quarterly'));
    expect(await find('fox -sleeps')).toEqual(['phrase']);
    expect(await find('fox -"quick brown"')).toEqual(['reversed']);
    expect(await find('newsletter -from:example.org')).toEqual(['mid', 'old']);
    expect(await find('-회의 -会議 -进度 -newsletter -fox')).toEqual(
      except('korean', 'japanese', 'chinese', 'old', 'mid', 'phrase', 'reversed'),
    );
  });

  it('combines fields, flags, dates and words', async () => {
    expect(await find('from:carol subject:lunch noon')).toEqual(['lunch']);
    expect(await find('from:carol subject:quarterly')).toEqual([]);
    expect(await find('to:bob has:attachment -invoice')).toEqual(['quarterly']);
    expect(await find('to:alice after:2022-01-01 -fox -bcc')).toEqual(['bcc', 'cases']);
  });

  it('searches FTS5 syntax characters literally and never fails on them', async () => {
    expect(await find('(chars)')).toEqual(['syntax']);
    expect(await find('5*3')).toEqual(['syntax']);
    expect(await find('*')).toEqual(['syntax']);
    expect(await find('^caret')).toEqual(['syntax']);
    expect(await find('NEAR/2')).toEqual(['syntax']);
    expect(await find('{col}:')).toEqual(['syntax']);
    expect(await find('"quoted"')).toEqual(['syntax']);
    expect(await find('subject:"(chars) \\"quoted\\""')).toEqual(['syntax']);
    for (const query of [
      'AND',
      'OR',
      'NOT',
      'a OR b',
      'NEAR(a b)',
      '"unbalanced',
      '(',
      ')',
      '"',
      '""',
      '-',
      '--x',
      'subject:',
      '-"',
      '*:*',
      'body:*',
      '{subject}: x',
      'x"y',
      "it's",
      '\\',
      '%',
      '_',
    ]) {
      const response = await sluice.api(`/api/messages?query=${encodeURIComponent(query)}`);
      expect(response.status, query).toBe(200);
    }
    // "%" and "_" are LIKE wildcards; searched literally, they match nothing here.
    expect(await find('%')).toEqual([]);
    expect(await find('_')).toEqual([]);
  });

  it('answers 400 with a JSON error for an invalid operator value', async () => {
    for (const query of ['has:foo', 'is:maybe', 'before:notadate', 'after:2021-13-45x']) {
      const response = await sluice.api(`/api/messages?query=${encodeURIComponent(query)}`);
      expect(response.status, query).toBe(400);
      const body = await response.json();
      expect(body.error.code).toBe('invalid_query');
      expect(body.error.message).toEqual(expect.any(String));
    }
    const search = await sluice.api('/api/search');
    expect(search.status).toBe(400);
    expect((await search.json()).error.code).toBe('invalid_request');
  });

  it('searches a word with an unknown prefix as written', async () => {
    expect(await find('{col}:')).toEqual(['syntax']);
    const response = await sluice.api(`/api/messages?query=${encodeURIComponent('xyz:abc')}`);
    expect(response.status).toBe(200);
    expect((await response.json()).total).toBe(0);
  });

  it('answers /api/search like the list', async () => {
    const search = await sluice.getJson('/api/search?query=quarterly');
    const list = await sluice.getJson('/api/messages?q=quarterly');
    expect(search).toEqual(list);
    expect(search.messages).toHaveLength(1);
  });

  it('is:read and is:unread follow the read flag', async () => {
    expect(await find('is:read')).toEqual([]);
    expect(await find('is:unread')).toEqual(except());
    const lunch = ids.get('lunch');
    expect(
      (await sluice.api('/api/messages/mark', { json: { read: true, ids: [lunch] } })).ok,
    ).toBe(true);
    expect(await find('is:read')).toEqual(['lunch']);
    expect(await find('is:unread')).toEqual(except('lunch'));
    expect(await find('-is:read noon')).toEqual([]);
    const list = await sluice.getJson('/api/messages?query=is:unread');
    expect(list.unread).toBe(list.total);
    const all = await sluice.getJson('/api/messages');
    expect(all.unread).toBe(ALL_NAMES.length - 1);
    expect(all.total).toBe(ALL_NAMES.length);
  });
});
