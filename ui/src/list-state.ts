import { ApiRequestError, type MessageSummary } from './api.js';

/** Why the list could not be fetched; `inQuery` when the search itself is wrong (a 400). */
export interface ListError {
  readonly message: string;
  readonly inQuery: boolean;
}

export function listError(error: unknown): ListError {
  const inQuery = error instanceof ApiRequestError && error.code === 'invalid_query';
  return { message: error instanceof Error ? error.message : String(error), inQuery };
}

export interface ListState {
  /** '' is the inbox; anything else is a search in the API's language. */
  readonly query: string;
  /** Newest first, only the pages fetched so far. */
  readonly messages: readonly MessageSummary[];
  readonly total: number;
  /** A search counts up to a cap (1,000): `total` is then "at least". */
  readonly totalCapped: boolean;
  readonly unread: number;
  readonly nextCursor: number | null;
  readonly loaded: boolean;
  readonly loadingMore: boolean;
  readonly error: ListError | null;
}

export const emptyList = (query: string): ListState => ({
  query,
  messages: [],
  total: 0,
  totalCapped: false,
  unread: 0,
  nextCursor: null,
  loaded: false,
  loadingMore: false,
  error: null,
});

/** The list with a new message in place, or the same list if it is there already. */
export function withStored(list: ListState, message: MessageSummary): ListState {
  if (list.messages.some((m) => m.id === message.id)) return list;
  return {
    ...list,
    messages: mergeNewestFirst([message], list.messages),
    total: list.total + 1,
    unread: list.unread + (message.read ? 0 : 1),
  };
}

/** The list with read flags changed, and how the unread count moved. */
export function withRead(
  list: ListState,
  ids: readonly number[] | 'all',
  read: boolean,
): { list: ListState; unreadDelta: number } {
  const only = ids === 'all' ? null : new Set(ids);
  let changed = 0;
  const messages = list.messages.map((m) => {
    if (m.read === read || (only && !only.has(m.id))) return m;
    changed++;
    return { ...m, read };
  });
  if (changed === 0) return { list, unreadDelta: 0 };
  const unreadDelta = read ? -changed : changed;
  return {
    list: { ...list, messages, unread: Math.max(0, list.unread + unreadDelta) },
    unreadDelta,
  };
}

/** The list without these messages, and how many (and how many unread) it lost. */
export function withDeleted(
  list: ListState,
  ids: readonly number[],
): { list: ListState; removed: number; removedUnread: number } {
  const gone = new Set(ids);
  const removed = list.messages.filter((m) => gone.has(m.id));
  if (removed.length === 0) return { list, removed: 0, removedUnread: 0 };
  const removedUnread = removed.filter((m) => !m.read).length;
  return {
    list: {
      ...list,
      messages: list.messages.filter((m) => !gone.has(m.id)),
      total: Math.max(0, list.total - removed.length),
      unread: Math.max(0, list.unread - removedUnread),
    },
    removed: removed.length,
    removedUnread,
  };
}

/** Merges two newest-first lists, dropping duplicate ids (the first list wins). */
export function mergeNewestFirst(
  a: readonly MessageSummary[],
  b: readonly MessageSummary[],
): MessageSummary[] {
  const out: MessageSummary[] = [];
  const seen = new Set<number>();
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]!.id >= b[j]!.id) ? a[i++]! : b[j++]!;
    if (seen.has(next.id)) continue;
    seen.add(next.id);
    out.push(next);
  }
  return out;
}
