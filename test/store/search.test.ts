import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import { parseSearchQuery } from '../../src/store/search-query.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { compileSearch, matchSearch, matchTarget } from '../../src/store/search-match.js';
import type { MessageSummary, NewMessage, SearchText, Store } from '../../src/store/types.js';
import { searchTables } from '../helpers/search-tables.js';
import { ENGINES, postgres, type EngineDatabase } from '../helpers/engines.js';
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

const except = (...excluded: Name[]) => ALL_NAMES.filter((n) => !excluded.includes(n)).sort();

type Cases = readonly (readonly [query: string, expected: readonly Name[]])[];

/**
 * What each query finds, by name, grouped as the tests report them. The same table runs
 * over the HTTP API and against a store whose search text is all still waiting for the
 * index (search_pending) and then all indexed (message_search).
 */
const LANGUAGE: readonly { readonly title: string; readonly cases: Cases }[] = [
  {
    title: 'finds free words in subject and body, anywhere inside a word',
    cases: [
      ['quarterly', ['quarterly']],
      ['arterl', ['quarterly']],
      ['noon', ['lunch']],
      ['INV-7781', ['invoice']],
      ['newsletter', ['mid', 'old']],
    ],
  },
  {
    title: 'finds text of two characters through the LIKE fallback',
    cases: [
      ['Q3', ['quarterly']],
      ['a^', ['syntax']],
    ],
  },
  {
    title: 'ANDs terms and keeps a quoted phrase together',
    cases: [
      ['quick fox', ['phrase', 'reversed']],
      ['"quick brown"', ['phrase']],
      ['"brown quick" sleeps', ['reversed']],
      ['quick lunch', []],
    ],
  },
  {
    title: 'finds Korean, Japanese and Chinese substrings of two and of three or more characters',
    cases: [
      ['회의', ['korean']],
      ['월요일', ['korean']],
      ['안내', ['korean']],
      ['会議', ['japanese']],
      ['第二会議室', ['japanese']],
      ['お知らせ', ['japanese']],
      ['进度', ['chinese']],
      ['下周发布', ['chinese']],
      ['subject:项目', ['chinese']],
      ['body:项目', ['chinese']],
    ],
  },
  {
    title: 'ignores case, for ASCII and beyond',
    cases: [
      ['QUARTERLY', ['quarterly']],
      ['uppercase', ['cases']],
      ['hello world', ['cases']],
      ['ПРИВЕТ', ['cases']],
      ['мир', ['cases']],
      ['café', ['cases']],
      ['cafe', ['cases']],
    ],
  },
  {
    // These go through LIKE, which on its own folds ASCII only.
    title: 'ignores case and accents in terms of one or two characters too',
    cases: [
      ['ми', ['cases']],
      ['ПР', ['cases']],
      ['fé', ['cases']],
      ['FE', ['cases']],
      ['Ш', []],
      // Every message has an "e" (in example.com at least).
      ['É', except()],
      ['e', except()],
      ['SUBJECT:lunch', ['lunch']],
    ],
  },
  {
    title: 'matches from: on the display name, the address and the envelope sender',
    cases: [
      ['from:alice', ['quarterly']],
      ['from:"Alice Anders"', ['quarterly']],
      ['from:carol@example.com', ['lunch']],
      ['from:news@example.com', ['mid', 'old']],
    ],
  },
  {
    title: 'matches to: on To and on envelope-only (BCC) recipients, cc: on Cc',
    cases: [
      ['to:bob', ['invoice', 'quarterly']],
      ['to:hidden@example.net', ['bcc']],
      ['to:erin', []],
      ['cc:erin', ['lunch']],
      ['cc:dave', []],
    ],
  },
  {
    title: 'restricts subject:, body: and filename: to their field',
    cases: [
      ['subject:lunch', ['lunch']],
      ['subject:noon', []],
      ['body:noon', ['lunch']],
      ['body:Kickoff', ['bcc']],
      ['subject:"Your invoice"', ['invoice']],
      ['filename:report', ['quarterly']],
      ['filename:.pdf', ['quarterly']],
      ['filename:resume', ['quarterly']],
      ['filename:quarterly', []],
    ],
  },
  {
    title: 'has:attachment',
    cases: [
      ['has:attachment', ['quarterly']],
      ['-has:attachment', except('quarterly')],
    ],
  },
  {
    title: 'before: and after: by the time a message arrived',
    cases: [
      ['before:2021-01-01', ['old']],
      ['after:2021-01-01 before:2022-01-01', ['mid']],
      ['after:2020-01-15T13:00:00Z newsletter', ['mid']],
      ['after:2022-01-01', except('old', 'mid')],
      ['-before:2021-01-01 newsletter', ['mid']],
    ],
  },
  {
    title: 'negates any term with a leading minus',
    cases: [
      ['-quarterly', except('quarterly')],
      ['fox -sleeps', ['phrase']],
      ['fox -"quick brown"', ['reversed']],
      ['newsletter -from:example.org', ['mid', 'old']],
      [
        '-회의 -会議 -进度 -newsletter -fox',
        except('korean', 'japanese', 'chinese', 'old', 'mid', 'phrase', 'reversed'),
      ],
      // Short terms, present and absent, beside long ones and alone ("approx" has an "ox").
      ['fox -sl', ['phrase']],
      ['-Q3 -a^ -ми', except('quarterly', 'syntax', 'cases')],
      ['ox -quick', ['syntax']],
      ['ox -sleeps -"quick brown"', ['syntax']],
      ['ox -sleeps', ['phrase', 'syntax']],
      ['-ox -news', except('phrase', 'reversed', 'syntax', 'old', 'mid')],
    ],
  },
  {
    title: 'combines fields, flags, dates and words',
    cases: [
      ['from:carol subject:lunch noon', ['lunch']],
      ['from:carol subject:quarterly', []],
      ['to:bob has:attachment -invoice', ['quarterly']],
      ['to:alice after:2022-01-01 -fox -bcc', ['bcc', 'cases']],
      ['is:unread fox', ['phrase', 'reversed']],
      ['Q3 has:attachment', ['quarterly']],
      ['-Q3 has:attachment', []],
    ],
  },
  {
    title: 'searches FTS5 syntax characters literally',
    cases: [
      ['(chars)', ['syntax']],
      ['5*3', ['syntax']],
      ['*', ['syntax']],
      ['^caret', ['syntax']],
      ['NEAR/2', ['syntax']],
      ['{col}:', ['syntax']],
      ['"quoted"', ['syntax']],
      ['subject:"(chars) \\"quoted\\""', ['syntax']],
      ['fox -NOT', ['phrase', 'reversed']],
      ['fox -"(chars)"', ['phrase', 'reversed']],
      // "%" and "_" are LIKE wildcards; searched literally, they match nothing here.
      ['%', []],
      ['_', []],
      ['xyz:abc', []],
      // SQLite ends a string at NUL, in FTS5 syntax and LIKE patterns alike: it is dropped.
      ['quar\u0000terly', ['quarterly']],
      ['fox -"quick\u0000 brown"', ['reversed']],
      ['Q\u00003', ['quarterly']],
    ],
  },
];

/** Queries that must be answered, whatever they find. */
const ODD_QUERIES = [
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
  '-AND -OR',
  '\u0000',
  'ab\u0000',
  '-x\u0000yz',
  'fox -"NEAR(a b)"',
];

async function composeAll(): Promise<Map<Name, Omit<NewMessage, 'client'>>> {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const composed = new Map<Name, Omit<NewMessage, 'client'>>();
  const compose = async (name: Name, mail: Mail.Options, receivedAt?: string) => {
    const built = await composer.sendMail(mail);
    const raw = built.message as Buffer;
    composed.set(name, {
      raw,
      parsed: await parseMessage(raw),
      envelope: { mailFrom: built.envelope.from || '', rcptTo: built.envelope.to },
      ...(receivedAt ? { receivedAt: new Date(receivedAt) } : {}),
    });
  };
  for (const [name, { subject, receivedAt }] of Object.entries(DATED)) {
    const mail = {
      from: 'news@example.com',
      to: 'alice@example.com',
      subject,
      text: 'Monthly news.',
    };
    await compose(name as Name, mail, receivedAt);
  }
  for (const [name, mail] of Object.entries(MESSAGES)) await compose(name as Name, mail);
  return composed;
}

const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

describe.each(ENGINES)('the search language over the API ($name)', (engine) => {
  let sluice: TestSluice;
  let database: EngineDatabase;
  const ids = new Map<Name, number>();
  const names = new Map<number, Name>();

  /** The names of the messages a query finds, sorted; fails on a non-200 answer. */
  async function find(query: string): Promise<Name[]> {
    const list = await sluice.getJson(`/api/messages?limit=500&query=${encodeURIComponent(query)}`);
    expect(list.total, query).toBe(list.messages.length);
    expect(list.totalCapped, query).toBeUndefined();
    return list.messages.map((m: { id: number }) => names.get(m.id)!).sort();
  }

  beforeAll(async () => {
    if (engine.skip) return;
    database = await engine.create();
    sluice = await startSluice([], { database });
    const composed = await composeAll();
    // SMTP cannot set when a message arrived: the dated ones go through the store itself.
    for (const name of Object.keys(DATED) as Name[]) {
      const stored = await sluice.app.store.addMessage({ ...composed.get(name)!, client: CLIENT });
      ids.set(name, stored.id);
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
  afterAll(async () => {
    await sluice?.close();
    await database?.drop();
  });

  for (const { title, cases } of LANGUAGE) {
    it.skipIf(engine.skip)(title, async () => {
      for (const [query, expected] of cases) expect(await find(query), query).toEqual(expected);
    });
  }

  it.skipIf(engine.skip)('never fails on FTS5 syntax', async () => {
    for (const query of ODD_QUERIES) {
      const response = await sluice.api(`/api/messages?query=${encodeURIComponent(query)}`);
      expect(response.status, query).toBe(200);
    }
  });

  it.skipIf(engine.skip)(
    'answers 400 with a JSON error for an invalid operator value',
    async () => {
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
    },
  );

  it.skipIf(engine.skip)('answers /api/search like the list', async () => {
    const search = await sluice.getJson('/api/search?query=quarterly');
    const list = await sluice.getJson('/api/messages?q=quarterly');
    expect(search).toEqual(list);
    expect(search.messages).toHaveLength(1);
  });

  it.skipIf(engine.skip)('is:read and is:unread follow the read flag', async () => {
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
    expect(all).not.toHaveProperty('totalCapped');
  });
});

/**
 * Asks every query of the table, and the selections by query, of a store holding the
 * composed messages (`names` maps their ids back). Store calls only: no await here waits
 * for the event loop, so SQLite's indexer (a timer) cannot run in between.
 */
async function askEverything(store: Store, names: ReadonlyMap<number, Name>): Promise<void> {
  const find = async (query: string) => {
    const list = await store.listMessages({ limit: 500, query: parseSearchQuery(query) });
    expect(list.total, query).toBe(list.messages.length);
    expect(list.totalCapped, query).toBeUndefined();
    return list.messages.map((m) => names.get(m.id)!).sort();
  };
  for (const { cases } of LANGUAGE) {
    for (const [query, expected] of cases) expect(await find(query), query).toEqual(expected);
  }
  for (const query of ODD_QUERIES) await find(query);
  // Marking and deleting by query select the same messages as the search.
  const read = (query: string, to: boolean) =>
    store.setRead({ query: parseSearchQuery(query) }, to);
  expect(await read('fox', true)).toBe(2);
  expect(await find('is:read')).toEqual(['phrase', 'reversed']);
  expect(await read('-fox', true)).toBe(ALL_NAMES.length - 2);
  expect(await read('"quick brown" is:read', false)).toBe(1);
  expect(await find('is:unread')).toEqual(['phrase']);
  expect(await read('e -Q3', false)).toBe(ALL_NAMES.length - 2);
  expect(await find('is:unread')).toEqual(except('quarterly'));
  expect(await read('Q3', false)).toBe(1);
  expect(await store.deleteMessages({ query: parseSearchQuery('zebra -fox') })).toBe(0);
}

/** Stores the composed messages in one turn; returns their names by id. */
async function storeAll(store: Store): Promise<Map<number, Name>> {
  const composed = await composeAll();
  const stored = await Promise.all(
    [...composed.values()].map((m) => store.addMessage({ ...m, client: CLIENT })),
  );
  return new Map([...composed.keys()].map((name, i) => [stored[i]!.id, name]));
}

describe('the search language in the SQLite store, before and after indexing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-search-'));
  const stores: SqliteStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A store of its own for each test, with every message stored in one turn (storeAll). */
  async function storeIn(name: string) {
    const path = join(dir, `${name}.db`);
    const store = new SqliteStore({ path, maxMessages: 0, maxAgeMs: 0 });
    stores.push(store);
    return { store, path, names: await storeAll(store) };
  }

  it('finds the same while the text waits for the index', async () => {
    const { store, path, names } = await storeIn('pending');
    expect(searchTables(path)).toEqual({ indexed: 0, pending: ALL_NAMES.length });
    await askEverything(store, names);
    expect(searchTables(path)).toEqual({ indexed: 0, pending: ALL_NAMES.length });
  });

  it('finds the same once the text is indexed', async () => {
    const { store, path, names } = await storeIn('indexed');
    await expect.poll(() => searchTables(path)).toEqual({ indexed: ALL_NAMES.length, pending: 0 });
    await askEverything(store, names);
  });
});

describe.skipIf(postgres.skip)('the search language in the PostgreSQL store', () => {
  it('finds the same while the text waits for the index, on its way there, and indexed', async () => {
    const database = await postgres.create();
    const store = await database.open();
    try {
      const names = await storeAll(store);
      // The indexer may move some of it meanwhile: the answers stay the same.
      await askEverything(store, names);
      await store.indexPendingSearch();
      expect(await database.count('search_pending')).toBe(0);
      expect(await database.count('message_search')).toBe(ALL_NAMES.length);
      await askEverything(store, names);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

describe('the same language decided in memory for new mail (search-match.ts)', () => {
  const store = new SqliteStore({ path: ':memory:', maxMessages: 0, maxAgeMs: 0 });
  const names = new Map<number, Name>();
  let summaries: readonly MessageSummary[] = [];
  let texts = new Map<number, SearchText>();
  beforeAll(async () => {
    for (const [name, message] of await composeAll())
      names.set((await store.addMessage({ ...message, client: CLIENT })).id, name);
    summaries = (await store.listMessages({ limit: 500 })).messages;
    texts = new Map((await store.getSearchText([...names.keys()])).map((t) => [t.id, t]));
  });
  afterAll(() => store.close());

  /**
   * What /api/messages/wait decides for each message: from the summary where it can, from
   * the fetched search text where it cannot. The summary's verdict, when it gives one, must
   * be the same as the complete one.
   */
  function matchInMemory(query: string): Name[] {
    const search = compileSearch(parseSearchQuery(query));
    const matching = summaries.filter((summary) => {
      const complete = matchSearch(search, matchTarget(summary, texts.get(summary.id)));
      expect(complete, `${query} on ${names.get(summary.id)}`).toBeDefined();
      const fromSummary = matchSearch(search, matchTarget(summary));
      if (fromSummary !== undefined) expect(fromSummary, query).toBe(complete);
      return complete;
    });
    return matching.map((m) => names.get(m.id)!).sort();
  }

  for (const { title, cases } of LANGUAGE) {
    it(title, () => {
      for (const [query, expected] of cases) expect(matchInMemory(query), query).toEqual(expected);
    });
  }

  it('agrees with the SQL on odd queries', async () => {
    for (const query of ODD_QUERIES) {
      const list = await store.listMessages({ limit: 500, query: parseSearchQuery(query) });
      expect(matchInMemory(query), query).toEqual(
        list.messages.map((m) => names.get(m.id)!).sort(),
      );
    }
  });

  it('agrees with the SQL on tags (tag:, is:tagged), from the summary alone', async () => {
    const tagged = new SqliteStore({ path: ':memory:', maxMessages: 0, maxAgeMs: 0 });
    try {
      for (const [headers, to] of [
        ['X-Tags: Urgent, invoice\r\n', 'bob@example.com'],
        ['', 'bob+signup@example.com'],
        ['', 'carol@example.com'],
      ] as const) {
        const raw = Buffer.from(`${headers}Subject: tags\r\nTo: ${to}\r\n\r\nx\r\n`);
        const parsed = await parseMessage(raw);
        await tagged.addMessage({
          raw,
          parsed,
          envelope: { mailFrom: 'a@x.org', rcptTo: [to] },
          client: CLIENT,
        });
      }
      const all = (await tagged.listMessages({ limit: 10 })).messages;
      for (const query of [
        'tag:urgent',
        'tag:URGENT',
        'tag:signup',
        'tag:nope',
        'is:tagged',
        '-is:tagged',
        '-tag:invoice to:bob',
      ]) {
        const sql = (await tagged.listMessages({ limit: 10, query: parseSearchQuery(query) }))
          .messages;
        const search = compileSearch(parseSearchQuery(query));
        const inMemory = all.filter((summary) => {
          const verdict = matchSearch(search, matchTarget(summary));
          expect(verdict, query).toBeDefined();
          return verdict;
        });
        expect(
          inMemory.map((m) => m.id),
          query,
        ).toEqual(sql.map((m) => m.id));
      }
    } finally {
      await tagged.close();
    }
  });

  it('decides header fields, flags and dates from the summary alone', () => {
    for (const query of [
      'to:bob',
      'from:"Alice Anders"',
      'subject:lunch',
      'cc:erin',
      'has:attachment',
      'is:unread',
      'before:2021-01-01 -to:hidden',
    ]) {
      const search = compileSearch(parseSearchQuery(query));
      for (const summary of summaries)
        expect(matchSearch(search, matchTarget(summary)), query).toBeDefined();
    }
  });
});
