import { deleteMessages, markMessages, type Selection } from './api.js';
import type { Mailbox } from './mailbox.js';

/**
 * What the reader does to messages. Each shows at once in the list, then goes to the
 * server, whose own event confirms it; a failure puts the list back as the server has it.
 */
export async function markRead(mailbox: Mailbox, ids: number[], read: boolean): Promise<void> {
  mailbox.applyLocal({ type: 'read', ids, read });
  try {
    await markMessages({ ids }, read);
  } catch (error) {
    mailbox.applyLocal({ type: 'read', ids, read: !read });
    throw error;
  }
}

/** Marks the whole mailbox read, or what the current search matches. */
export async function markViewRead(mailbox: Mailbox): Promise<number> {
  const query = mailbox.state.list.query;
  const selection: Selection = query ? { query } : { all: true };
  if (!query) mailbox.applyLocal({ type: 'read', ids: 'all', read: true });
  const { updated } = await markMessages(selection, true);
  mailbox.scheduleCounts();
  return updated;
}

export async function deleteIds(mailbox: Mailbox, ids: number[]): Promise<void> {
  mailbox.applyLocal({ type: 'deleted', ids });
  try {
    await deleteMessages({ ids });
  } catch (error) {
    mailbox.reconcile(true);
    throw error;
  }
}

/** Deletes every message, or every message the current search matches. */
export async function deleteView(mailbox: Mailbox): Promise<number> {
  const query = mailbox.state.list.query;
  // Cleared before the request: the server's own "deleted all" event follows, and any
  // message stored after it arrives as a later event, so nothing new is wiped.
  if (!query) mailbox.applyLocal({ type: 'deleted', ids: 'all' });
  try {
    const { deleted } = await deleteMessages(query ? { query } : { all: true });
    if (query) mailbox.reconcile(false);
    return deleted;
  } catch (error) {
    mailbox.reconcile(true);
    throw error;
  }
}
