import type { SearchQuery } from '../../store/search-query.js';
import type { MessageSummary, Store } from '../../store/types.js';

export interface ArrivalPage {
  /** Oldest first. */
  readonly messages: readonly MessageSummary[];
  readonly total: number;
  /** Messages were left out: the page is not the whole (matching) mailbox. */
  readonly truncated: boolean;
}

/**
 * A page in arrival order (oldest first: MailDev, MailCatcher, Inbucket) from the native
 * newest-first pages. With no `skip` it is the newest `limit` messages, so that the last
 * item is the latest message, which clients take as "the last one"; with `skip` (or
 * `oldestFirst`) it is the window that starts `skip` messages after the oldest.
 */
export async function newestInArrivalOrder(
  store: Store,
  options: { skip: number; limit: number; query?: SearchQuery; oldestFirst?: boolean },
): Promise<ArrivalPage> {
  const { skip, limit, query } = options;
  if (skip === 0 && !options.oldestFirst) {
    const page = await store.listMessages({ limit, query });
    return {
      messages: [...page.messages].reverse(),
      total: page.total,
      truncated: page.nextCursor !== null,
    };
  }
  const { total } = await store.listMessages({ limit: 1, query });
  const count = Math.min(limit, total - skip);
  if (count <= 0) return { messages: [], total, truncated: false };
  const offset = Math.max(0, total - skip - count);
  const page = await store.listMessages({ limit: count, offset, query });
  return { messages: [...page.messages].reverse(), total, truncated: skip + count < total };
}
