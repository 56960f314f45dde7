import { describe, expect, it } from 'vitest';
import { compileSearch, matchSearch, matchTarget } from '../../src/store/search-match.js';
import { parseSearchQuery } from '../../src/store/search-query.js';
import type { Address, MessageSummary } from '../../src/store/types.js';
import { WaiterIndex } from '../../src/web/waiter-index.js';

// The index behind /api/messages/wait (issue 12): which waiting searches to try on a message.

interface Entry {
  readonly text: string;
  readonly search: ReturnType<typeof compileSearch>;
}

const entry = (text: string): Entry => ({ text, search: compileSearch(parseSearchQuery(text)) });

function summary(
  id: number,
  fields: { from: string; to: string[]; cc?: string[]; subject: string },
) {
  const address = (a: string): Address => ({ name: '', address: a });
  const message: MessageSummary = {
    id,
    receivedAt: new Date(0).toISOString(),
    envelope: { mailFrom: fields.from, rcptTo: fields.to },
    from: address(fields.from),
    to: fields.to.map(address),
    cc: (fields.cc ?? []).map(address),
    bcc: [],
    subject: fields.subject,
    snippet: '',
    size: 100,
    attachmentCount: 0,
    read: false,
    tags: [],
    messageId: null,
    date: null,
    parseError: false,
  };
  return matchTarget(message);
}

describe('the waiter index', () => {
  it('offers every search that matches a message, or cannot tell without its body', () => {
    const searches = [
      'to:bob@example.com',
      'to:BOB@Example.com',
      'to:ob@exa',
      'from:alice',
      'cc:carol@example.org',
      'subject:"Your invoice"',
      'subject:invoice to:dave@example.com',
      'to:bo',
      '-to:bob@example.com',
      'bob@example.com',
      'body:token-1',
      'is:unread',
      'to:bob@example.com -subject:spam',
      'to:Zoë@example.com',
      'subject:日本語のテスト',
    ].map(entry);
    const index = new WaiterIndex<Entry>();
    for (const search of searches) index.add(search);
    const messages = [
      summary(1, { from: 'alice@example.com', to: ['bob@example.com'], subject: 'Your invoice' }),
      summary(2, {
        from: 'x@y.z',
        to: ['jimbob@example.com.au'],
        cc: ['carol@example.org'],
        subject: 'spam',
      }),
      summary(3, { from: 'x@y.z', to: ['dave@example.com'], subject: 'Invoice 42' }),
      summary(4, { from: 'x@y.z', to: ['zoë@example.com'], subject: '日本語のテストです' }),
      summary(5, { from: 'nobody@nowhere', to: ['other@example.net'], subject: 'hi' }),
    ];
    for (const message of messages) {
      const offered = index.candidates(message);
      for (const search of searches) {
        if (matchSearch(search.search, message) !== false)
          expect(offered.has(search), `${search.text} on message ${message.summary.id}`).toBe(true);
      }
    }
    // And a message that matches none of the filed searches is offered only the others.
    const offered = [...index.candidates(messages[4]!)].map((s) => s.text);
    expect(offered).not.toContain('to:bob@example.com');
    expect(offered).toContain('body:token-1');
  });

  it('keeps the searches tried per message few with 2,000 waiters for different addresses', () => {
    const index = new WaiterIndex<Entry>();
    const searches = Array.from({ length: 2000 }, (_, i) =>
      entry(`to:waiter-${i}@nowhere.example`),
    );
    for (const search of searches) index.add(search);
    const unrelated = summary(1, {
      from: 'bench@bench.example',
      to: ['inbox@bench.example'],
      subject: 'smtp-source bench',
    });
    expect(index.candidates(unrelated).size).toBeLessThan(100);
    const own = summary(2, { from: 'a@b.c', to: ['waiter-1234@nowhere.example'], subject: 'x' });
    const offered = index.candidates(own);
    expect(offered.has(searches[1234]!)).toBe(true);
    expect(offered.size).toBeLessThan(100);
  });

  it('forgets a search once it is deleted', () => {
    const index = new WaiterIndex<Entry>();
    const filed = entry('to:bob@example.com');
    const everywhere = entry('is:unread');
    index.add(filed);
    index.add(everywhere);
    const message = summary(1, { from: 'a@b.c', to: ['bob@example.com'], subject: 'x' });
    expect(index.candidates(message)).toEqual(new Set([filed, everywhere]));
    index.delete(filed);
    index.delete(everywhere);
    expect(index.candidates(message).size).toBe(0);
  });
});
