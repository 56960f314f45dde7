import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ListResult, MessageDetail, MessageSummary } from '../../src/store/types.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectJsonError, sendFixture, sendMany, sendMail } from './support.js';

interface Expectation {
  subject: string;
  from: string;
  to: string[];
  textIncludes?: string;
  htmlIncludes?: string;
  attachments?: Array<{ filename: string; contentType: string; size: number }>;
}
const expectations = JSON.parse(
  readFileSync(new URL('../fixtures/expectations.json', import.meta.url), 'utf8'),
) as Record<string, Expectation>;

const SUMMARY_KEYS = [
  'id',
  'receivedAt',
  'envelope',
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'snippet',
  'size',
  'attachmentCount',
  'read',
  'tags',
  'messageId',
  'date',
  'parseError',
].sort();

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startSluice();
});
afterAll(() => sluice.close());

/** Empties the mailbox through the store, so setup does not lean on the API under test. */
const clearMailbox = () => sluice.app.store.deleteMessages({ all: true });
const list = (query = '') => sluice.getJson<ListResult>(`/api/messages${query}`);
const ids = (result: ListResult) => result.messages.map((m) => m.id);
const detail = (id: number) => sluice.getJson<MessageDetail>(`/api/messages/${id}`);

describe('GET /api/messages', () => {
  let sent: number[];
  let toBob: number;
  beforeAll(async () => {
    await clearMailbox();
    sent = await sendMany(sluice, 6);
    toBob = await sendMail(sluice, {
      from: 'sender@example.com',
      to: 'bob@example.com',
      subject: 'For Bob only',
      text: 'A message with a different recipient',
    });
    sent.push(toBob);
  });

  it('lists newest first with total and unread', async () => {
    const result = await list();
    expect(ids(result)).toEqual([...sent].reverse());
    expect(result.total).toBe(7);
    expect(result.unread).toBe(7);
    expect(result.nextCursor).toBeNull();
  });

  it('returns summaries only: no bodies, headers, parts or raw bytes', async () => {
    const result = await list();
    for (const message of result.messages) {
      expect(Object.keys(message).sort()).toEqual(SUMMARY_KEYS);
    }
    const first = result.messages.find((m) => m.id === toBob)!;
    expect(first.subject).toBe('For Bob only');
    expect(first.snippet).toBe('A message with a different recipient');
    expect(first.envelope).toEqual({ mailFrom: 'sender@example.com', rcptTo: ['bob@example.com'] });
    expect(first.to).toEqual([{ name: '', address: 'bob@example.com' }]);
  });

  it('pages with limit and the before cursor until nextCursor is null', async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const result: ListResult = await list(
        `?limit=3${cursor === null ? '' : `&before=${cursor}`}`,
      );
      expect(result.messages.length).toBeLessThanOrEqual(3);
      expect(result.total).toBe(7); // counts describe the whole mailbox, not the page
      seen.push(...ids(result));
      cursor = result.nextCursor;
      if (cursor !== null) expect(cursor).toBe(result.messages.at(-1)!.id);
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([...sent].reverse());
  });

  it('gives the newest messages above `after`, and pages within them', async () => {
    const after = sent[2]!;
    const newer = sent.slice(3).reverse();
    expect(ids(await list(`?after=${after}`))).toEqual(newer);
    const firstPage = await list(`?after=${after}&limit=2`);
    expect(ids(firstPage)).toEqual(newer.slice(0, 2));
    expect(firstPage.nextCursor).toBe(newer[1]);
    const secondPage = await list(`?after=${after}&limit=2&before=${firstPage.nextCursor}`);
    expect(ids(secondPage)).toEqual(newer.slice(2));
    expect(secondPage.nextCursor).toBeNull();
  });

  it('filters by query (and its alias q), counting only the matches', async () => {
    const byQuery = await list('?query=' + encodeURIComponent('to:bob@example.com'));
    expect(ids(byQuery)).toEqual([toBob]);
    expect(byQuery.total).toBe(1);
    expect(byQuery.unread).toBe(1);
    expect(await list('?q=' + encodeURIComponent('to:bob@example.com'))).toEqual(byQuery);
  });

  it('answers /api/search with exactly the shape and content of the list', async () => {
    for (const query of ['to:bob@example.com', 'Message', 'subject:"Message 3"']) {
      const encoded = encodeURIComponent(query);
      const searched = await sluice.getJson<ListResult>(`/api/search?query=${encoded}&limit=4`);
      expect(searched).toEqual(await list(`?query=${encoded}&limit=4`));
      expect(Object.keys(searched).sort()).toEqual(['messages', 'nextCursor', 'total', 'unread']);
    }
    const phrase = await sluice.getJson<ListResult>(
      `/api/search?q=${encodeURIComponent('subject:"Message 3"')}`,
    );
    expect(phrase.messages.map((m) => m.subject)).toEqual(['Message 3']);
  });
});

describe('GET /api/messages/:id', () => {
  let attachments: number;
  let related: number;
  let bcc: number;
  let alternative: number;
  beforeAll(async () => {
    await clearMailbox();
    attachments = await sendFixture(sluice, 'attachments.eml', {
      from: 'dana@example.org',
      to: ['alice@example.com', 'bob@example.com'],
    });
    related = await sendFixture(
      sluice,
      'multipart-related-inline-image.eml',
      { from: 'billing@sluice.test', to: ['bob@example.com'] },
      { tls: true, auth: { user: 'app-user', pass: 'secret' } },
    );
    bcc = await sendFixture(sluice, 'bcc-envelope.eml', {
      from: 'paula@example.com',
      to: ['alice@example.com', 'carol@example.com', 'bob@example.com'],
    });
    alternative = await sendFixture(sluice, 'multipart-alternative.eml', {
      from: 'digest@sluice.test',
      to: ['alice@example.com'],
    });
  });

  it('has the summary fields, the same values as the list, and the parsed content', async () => {
    const message = await detail(attachments);
    const summary = (await list()).messages.find((m) => m.id === attachments)!;
    for (const key of SUMMARY_KEYS) {
      expect(message[key as keyof MessageSummary]).toEqual(summary[key as keyof MessageSummary]);
    }
    const expected = expectations['attachments.eml']!;
    expect(message.subject).toBe(expected.subject);
    expect(message.from?.address).toBe(expected.from);
    expect(message.to.map((a) => a.address)).toEqual(expected.to);
    expect(message.text).toContain(expected.textIncludes);
    expect(message.html).toBeNull();
    expect(message.envelope).toEqual({
      mailFrom: 'dana@example.org',
      rcptTo: ['alice@example.com', 'bob@example.com'],
    });
    expect(message.attachmentCount).toBe(4);
    expect(message.replyTo).toEqual([]);
    expect(message.parseErrorMessage).toBeNull();
  });

  it('lists the headers in order, decoded', async () => {
    const message = await detail(attachments);
    expect(message.headers.map((h) => h.name)).toEqual([
      'From',
      'To',
      'Subject',
      'Date',
      'Message-ID',
      'MIME-Version',
      'Content-Type',
    ]);
    expect(message.headers).toContainEqual({ name: 'Subject', value: 'Documents for review' });
  });

  it('describes every attachment as a part', async () => {
    const message = await detail(attachments);
    expect(
      message.parts.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
    ).toEqual(expectations['attachments.eml']!.attachments);
    expect(message.parts.map((p) => p.partId)).toEqual(['1', '2', '3', '4']);
    for (const part of message.parts) {
      expect(part.disposition).toBe('attachment');
      expect(part.related).toBe(false);
      expect(part.contentId).toBeNull();
    }
  });

  it('gives text and HTML of an alternative, and inline parts of a related message', async () => {
    const alt = await detail(alternative);
    expect(alt.text).toContain(expectations['multipart-alternative.eml']!.textIncludes);
    expect(alt.html).toContain(expectations['multipart-alternative.eml']!.htmlIncludes);
    expect(alt.parts).toEqual([]);
    const rel = await detail(related);
    expect(rel.parts).toEqual([
      {
        partId: '1',
        filename: 'logo.png',
        contentType: 'image/png',
        size: 98,
        contentId: 'logo@sluice.test',
        disposition: 'inline',
        related: true,
      },
    ]);
  });

  it('records how the client connected: address, HELO, TLS and the AUTH user', async () => {
    const secure = await detail(related);
    expect(secure.client).toMatchObject({ address: '127.0.0.1', authUser: 'app-user', tls: true });
    expect(secure.client.helo).not.toBe('');
    const plain = await detail(attachments);
    expect(plain.client).toMatchObject({ address: '127.0.0.1', authUser: null, tls: false });
  });

  it('shows envelope-only recipients as bcc', async () => {
    const message = await detail(bcc);
    expect(message.to.map((a) => a.address)).toEqual(['alice@example.com']);
    expect(message.cc.map((a) => a.address)).toEqual(['carol@example.com']);
    expect(message.bcc.map((a) => a.address)).toEqual(['bob@example.com']);
    expect(message.envelope.rcptTo).toEqual([
      'alice@example.com',
      'carol@example.com',
      'bob@example.com',
    ]);
  });

  it('serves the headers alone at /headers', async () => {
    const headers = await sluice.getJson(`/api/messages/${bcc}/headers`);
    expect(headers).toEqual({ headers: (await detail(bcc)).headers });
  });

  it('does not mark a message read when it is fetched in any form', async () => {
    for (const path of [
      '',
      '/headers',
      '/raw',
      '/raw?download',
      '/html',
      '/parts/1',
      '/cid/logo@sluice.test',
    ]) {
      const response = await sluice.api(`/api/messages/${related}${path}`);
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
    expect((await detail(related)).read).toBe(false);
    const listed = await list();
    expect(listed.unread).toBe(listed.total);
  });

  it('answers 404 JSON for an unknown message or part', async () => {
    const missing = 999_999;
    for (const path of [
      `/api/messages/${missing}`,
      `/api/messages/${missing}/headers`,
      `/api/messages/${missing}/raw`,
      `/api/messages/${missing}/html`,
      `/api/messages/${missing}/parts/1`,
      `/api/messages/${missing}/cid/logo@sluice.test`,
      `/api/messages/${attachments}/parts/5`,
      `/api/messages/${attachments}/cid/nothing@sluice.test`,
      `/api/messages/${attachments}/html`,
    ]) {
      const response = await sluice.api(path);
      expect(response.status, path).toBe(404);
      expect((await expectJsonError(response)).error.code, path).toBe('not_found');
    }
  });
});

describe('marking read and unread', () => {
  let sent: number[];
  beforeAll(async () => {
    await clearMailbox();
    sent = await sendMany(sluice, 4);
    sent.push(
      await sendMail(sluice, {
        from: 'sender@example.com',
        to: 'carol@example.com',
        subject: 'Carol report',
        text: 'for carol',
      }),
    );
  });
  const mark = async (body: object) => {
    const response = await sluice.api('/api/messages/mark', { json: body });
    expect(response.status).toBe(200);
    return ((await response.json()) as { updated: number }).updated;
  };
  // Each test starts from five unread messages, whatever the tests before it marked.
  beforeEach(() => mark({ read: false, all: true }));

  it('PATCH sets one message read or unread and returns the detail', async () => {
    const id = sent[0]!;
    const read = await sluice.api(`/api/messages/${id}`, { method: 'PATCH', json: { read: true } });
    expect(read.status).toBe(200);
    const body = (await read.json()) as MessageDetail;
    expect(body).toMatchObject({ id, read: true, subject: 'Message 1' });
    expect(body.headers.length).toBeGreaterThan(0);
    expect((await list()).unread).toBe(4);
    const unread = await sluice.api(`/api/messages/${id}`, {
      method: 'PATCH',
      json: { read: false },
    });
    expect(((await unread.json()) as MessageDetail).read).toBe(false);
    expect((await list()).unread).toBe(5);
  });

  it('PATCH of an unknown message is 404', async () => {
    const response = await sluice.api('/api/messages/999999', {
      method: 'PATCH',
      json: { read: true },
    });
    expect(response.status).toBe(404);
    expect((await expectJsonError(response)).error.code).toBe('not_found');
  });

  it('marks by ids, counting only messages that changed', async () => {
    expect(await mark({ read: true, ids: [sent[1]!, sent[2]!] })).toBe(2);
    expect(await mark({ read: true, ids: [sent[1]!, sent[2]!] })).toBe(0);
    const listed = await list();
    expect(listed.messages.filter((m) => m.read).map((m) => m.id)).toEqual([sent[2], sent[1]]);
    expect(listed.unread).toBe(3);
    expect(await mark({ read: false, ids: [sent[1]!, 999_999] })).toBe(1);
  });

  it('marks everything with all, and what a query matches with query', async () => {
    expect(await mark({ read: true, all: true })).toBe(5);
    expect((await list()).unread).toBe(0);
    expect(await mark({ read: false, query: 'to:carol@example.com' })).toBe(1);
    const listed = await list();
    expect(listed.messages.filter((m) => !m.read).map((m) => m.subject)).toEqual(['Carol report']);
    const unread = await list('?query=is:unread');
    expect(ids(unread)).toEqual([sent[4]]);
    expect(await mark({ read: false, all: true })).toBe(4);
  });
});

describe('deleting', () => {
  let sent: number[];
  // Each test starts from the same six messages, whatever the tests before it deleted.
  beforeEach(async () => {
    await clearMailbox();
    sent = await sendMany(sluice, 6);
  });
  const remove = async (body: object) => {
    const response = await sluice.api('/api/messages/delete', { json: body });
    expect(response.status).toBe(200);
    return ((await response.json()) as { deleted: number }).deleted;
  };

  it('DELETE /api/messages/:id removes one message; a second time is 404', async () => {
    const id = sent[0]!;
    const response = await sluice.api(`/api/messages/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ deleted: 1 });
    expect((await sluice.api(`/api/messages/${id}`)).status).toBe(404);
    expect((await sluice.api(`/api/messages/${id}/raw`)).status).toBe(404);
    const again = await sluice.api(`/api/messages/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await expectJsonError(again)).error.code).toBe('not_found');
    expect((await list()).total).toBe(5);
  });

  it('deletes by ids and by query', async () => {
    expect(await remove({ ids: [sent[1]!, sent[2]!, 999_999] })).toBe(2);
    expect(ids(await list())).toEqual([sent[5], sent[4], sent[3], sent[0]]);
    expect(await remove({ query: 'subject:"Message 5"' })).toBe(1);
    expect(ids(await list())).toEqual([sent[5], sent[3], sent[0]]);
  });

  it('deletes everything with all, and with DELETE /api/messages', async () => {
    expect(await remove({ all: true })).toBe(6);
    expect(await list()).toEqual({ messages: [], total: 0, unread: 0, nextCursor: null });
    await sendMany(sluice, 3, 100);
    const response = await sluice.api('/api/messages', { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ deleted: 3 });
    expect((await list()).total).toBe(0);
  });
});
