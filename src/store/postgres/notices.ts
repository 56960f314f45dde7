import type { MessageId, OutboxId, StoreEvent } from '../types.js';

/**
 * What one instance tells the others through NOTIFY, sent in the transaction that made the
 * change (PostgreSQL delivers it only if that commits, in commit order). Ids only: a
 * notification holds at most 8000 bytes, and the others read what they need.
 */
export type Notice =
  | { readonly o: string; readonly e: 'stored'; readonly ids: readonly MessageId[] }
  | {
      readonly o: string;
      readonly e: 'read';
      readonly ids: readonly MessageId[] | 'all';
      readonly read: boolean;
    }
  | { readonly o: string; readonly e: 'deleted'; readonly ids: readonly MessageId[] | 'all' }
  | { readonly o: string; readonly e: 'outbox'; readonly ids: readonly OutboxId[] };

/** Ids per notification: 600 ids of up to 12 digits stay well inside 8000 bytes. */
const IDS_PER_NOTICE = 600;

/** The channel of a schema's notices: a tenant hears only its own. */
export function channelFor(schema: string): string {
  return `${schema}_events`;
}

/** The payloads announcing a transaction's events, in order; new messages go together. */
export function encodeNotices(origin: string, events: readonly StoreEvent[]): string[] {
  const payloads: string[] = [];
  let stored: MessageId[] = [];
  for (const event of events) {
    if (event.type === 'stored') {
      stored.push(event.message.id);
      continue;
    }
    payloads.push(...storedNotices(origin, stored), ...encodeNotice(origin, event));
    stored = [];
  }
  return [...payloads, ...storedNotices(origin, stored)];
}

function encodeNotice(origin: string, event: Exclude<StoreEvent, { type: 'stored' }>): string[] {
  switch (event.type) {
    case 'outbox':
      return chunks(event.entries.map((e) => e.id)).map((ids) =>
        JSON.stringify({ o: origin, e: 'outbox', ids }),
      );
    case 'read':
    case 'deleted': {
      const extra = event.type === 'read' ? { read: event.read } : {};
      if (event.ids === 'all')
        return [JSON.stringify({ o: origin, e: event.type, ids: 'all', ...extra })];
      return chunks(event.ids).map((ids) =>
        JSON.stringify({ o: origin, e: event.type, ids, ...extra }),
      );
    }
  }
}

function storedNotices(origin: string, ids: readonly MessageId[]): string[] {
  return chunks(ids).map((part) => JSON.stringify({ o: origin, e: 'stored', ids: part }));
}

export function decodeNotice(payload: string): Notice | null {
  try {
    const notice = JSON.parse(payload) as Notice;
    return typeof notice.o === 'string' && typeof notice.e === 'string' ? notice : null;
  } catch {
    return null;
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IDS_PER_NOTICE)
    out.push(items.slice(i, i + IDS_PER_NOTICE));
  return out;
}
