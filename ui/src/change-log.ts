import type { MessageSummary } from './api.js';

/**
 * What changed while a fetch was on its way, so that its (older) answer can be brought up
 * to date: every change gets a sequence number; a fetch remembers the number it started
 * at and gets every later change applied on top. Ids are never reused (AUTOINCREMENT), so
 * a deleted id can be remembered for good.
 */
export class ChangeLog {
  #seq = 0;
  #deleted = new Set<number>();
  #reads = new Map<number, { read: boolean; seq: number }>();
  #allRead: { read: boolean; seq: number } | null = null;
  /** Messages added to the list by a live event, with the change that added them. */
  #arrivals = new Map<number, number>();

  /** The number of the latest change; a fetch records it when it starts. */
  get seq(): number {
    return this.#seq;
  }

  next(): number {
    return ++this.#seq;
  }

  noteArrival(id: number): void {
    this.#arrivals.set(id, this.#seq);
  }

  arrivedAfter(id: number, seq: number): boolean {
    return (this.#arrivals.get(id) ?? -1) > seq;
  }

  noteDeleted(ids: readonly number[]): void {
    for (const id of ids) this.#deleted.add(id);
  }

  isDeleted(id: number): boolean {
    return this.#deleted.has(id);
  }

  noteRead(ids: readonly number[] | 'all', read: boolean): void {
    if (ids === 'all') {
      this.#reads.clear();
      this.#allRead = { read, seq: this.#seq };
    } else {
      for (const id of ids) this.#reads.set(id, { read, seq: this.#seq });
    }
  }

  /** After a reconnect events may have been missed: only fresh fetches are trusted. */
  forgetReads(): void {
    this.#reads.clear();
    this.#allRead = null;
  }

  /**
   * The server's database is another one (or events were dropped): ids from before mean
   * nothing now, and a remembered deletion would hide a new message that reuses the id.
   */
  forgetAll(): void {
    this.wipe();
    this.forgetReads();
  }

  /** Everything was deleted; the lists start over, so nothing older needs remembering. */
  wipe(): void {
    this.#deleted.clear();
    this.#arrivals.clear();
  }

  /** A summary fetched at `startSeq`, with the read changes made since. */
  fresh(message: MessageSummary, startSeq: number): MessageSummary {
    let read = message.read;
    if (this.#allRead && this.#allRead.seq > startSeq) read = this.#allRead.read;
    const change = this.#reads.get(message.id);
    if (change && change.seq > startSeq) read = change.read;
    return read === message.read ? message : { ...message, read };
  }

  /** The new summaries of a fetch: not already listed, not deleted, read state current. */
  freshOnly(
    fetched: readonly MessageSummary[],
    listed: readonly MessageSummary[],
    startSeq: number,
  ): MessageSummary[] {
    const known = new Set(listed.map((m) => m.id));
    return fetched
      .filter((m) => !known.has(m.id) && !this.#deleted.has(m.id))
      .map((m) => this.fresh(m, startSeq));
  }
}
