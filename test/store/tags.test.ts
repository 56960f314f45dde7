import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mail/parse.js';
import type { EngineStore } from '../../src/store/open-store.js';
import { parseSearchQuery } from '../../src/store/search-query.js';
import { cleanTags } from '../../src/store/tags.js';
import type { Store } from '../../src/store/types.js';
import { ENGINES, type EngineDatabase } from '../helpers/engines.js';

const client = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

async function add(store: Store, rcpt: string, headers = '') {
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: ${rcpt}\r\nSubject: to ${rcpt}\r\n${headers}\r\nbody\r\n`,
  );
  return store.addMessage({
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'a@example.com', rcptTo: [rcpt] },
    client,
  });
}

describe.each(ENGINES)('tags in the store ($name)', (engine) => {
  let database: EngineDatabase;
  let store: EngineStore;
  const ids: Record<string, number> = {};
  const search = async (text: string) =>
    (await store.listMessages({ limit: 50, query: parseSearchQuery(text) })).messages.map(
      (m) => m.id,
    );

  // Each test gets the same three messages in a database of its own: one test deletes and
  // retags, and no other may depend on running before it.
  beforeEach(async () => {
    if (engine.skip) return;
    database = await engine.create();
    store = await database.open();
    ids.plain = (await add(store, 'bob@example.com')).id;
    ids.plus = (await add(store, 'bob+Signup@example.com')).id;
    ids.header = (await add(store, 'carol@example.com', 'X-Tags: invoice, Urgent,invoice\r\n')).id;
  });
  afterEach(async () => {
    await store?.close();
    await database?.drop();
  });

  it.skipIf(engine.skip)(
    'come from X-Tags and plus-addressing at ingest, cleaned and sorted',
    async () => {
      expect((await store.getMessage(ids.plus!)).tags).toEqual(['Signup']);
      expect((await store.getMessage(ids.header!)).tags).toEqual(['invoice', 'Urgent']);
      expect((await store.getMessage(ids.plain!)).tags).toEqual([]);
      expect(await store.listTags()).toEqual(['invoice', 'Signup', 'Urgent']);
      expect(await store.countTags()).toEqual(
        new Map([
          ['invoice', 1],
          ['Signup', 1],
          ['Urgent', 1],
        ]),
      );
    },
  );

  it.skipIf(engine.skip)('are found by tag: in any case, by is:tagged, and negated', async () => {
    expect(await search('tag:signup')).toEqual([ids.plus]);
    expect(await search('tag:URGENT')).toEqual([ids.header]);
    expect(await search('is:tagged')).toEqual([ids.header, ids.plus]);
    expect(await search('-is:tagged')).toEqual([ids.plain]);
    expect(await search('-tag:invoice to:bob')).toEqual([ids.plus, ids.plain]);
  });

  it.skipIf(engine.skip)('are set, renamed and deleted without touching the messages', async () => {
    expect(await store.setTags([ids.plain!], ['Later', 'later', 'bad/char'])).toBe(1);
    expect((await store.getMessage(ids.plain!)).tags).toEqual(['badchar', 'Later']);
    expect(await store.renameTag('LATER', 'Someday')).toBe(1);
    expect(await search('tag:someday')).toEqual([ids.plain]);
    expect(await store.deleteTag('someday')).toBe(1);
    expect((await store.getMessage(ids.plain!)).tags).toEqual(['badchar']);
    expect(await store.setTags([ids.plain!], [])).toBe(1);
    expect(await store.listTags()).toEqual(['invoice', 'Signup', 'Urgent']);
    await store.deleteMessages({ ids: [ids.plus!] });
    expect(await store.listTags()).toEqual(['invoice', 'Urgent']);
  });

  it.skipIf(engine.skip)('pages by offset as well as by cursor', async () => {
    const all = (await store.listMessages({ limit: 10 })).messages.map((m) => m.id);
    const second = await store.listMessages({ limit: 1, offset: 1 });
    expect(second.messages.map((m) => m.id)).toEqual([all[1]]);
    const searched = await store.listMessages({
      limit: 1,
      offset: 1,
      query: parseSearchQuery('example'),
    });
    expect(searched.messages.map((m) => m.id)).toEqual([all[1]]);
    expect(searched.total).toBe(all.length);
  });

  it.skipIf(engine.skip)('cleanTags keeps letters of any script and drops the rest', () => {
    expect(cleanTags(['  한국어 태그 ', 'a<b>', ''])).toEqual(['ab', '한국어 태그']);
  });
});
