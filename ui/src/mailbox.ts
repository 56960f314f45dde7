import { listMessages, PAGE_SIZE, type ListPage, type MessageSummary } from './api.js';
import { ChangeLog } from './change-log.js';
import {
  emptyList,
  listError,
  mergeNewestFirst,
  withDeleted,
  withRead,
  withStored,
  type ListState,
} from './list-state.js';
import { connectLive, type LiveEvent, type LiveStatus } from './live.js';

export interface MailboxState {
  readonly list: ListState;
  /** The whole mailbox, whatever the list shows: the title and favicon count. */
  readonly counts: { readonly total: number; readonly unread: number };
  readonly status: LiveStatus;
}

const COUNTS_DEBOUNCE_MS = 250;
const NEWER_DEBOUNCE_MS = 150;
const FRAME_MS = 16;

/**
 * The list the inbox shows and how live events change it. Fetched pages and live events
 * race, so every change gets a sequence number: an answer that was requested before a
 * change gets that change applied on top, and ids that were deleted never come back.
 */
export class Mailbox {
  #state: MailboxState;
  #listeners = new Set<() => void>();
  /** Bumped whenever the list is replaced; answers for an older generation are dropped. */
  #generation = 0;
  #changes = new ChangeLog();
  #loadingMore = false;
  /** The first page's fetch, which the first hello waits for. */
  #head: Promise<void> = Promise.resolve();
  /** Highest id this inbox has seen, and the highest one a "delete all" removed. */
  #maxSeen = 0;
  #wipedThrough = 0;
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #notifyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Called for every message that arrives live (notifications). */
  onStored: ((message: MessageSummary) => void) | null = null;

  /** `query` is what the page opened on, so the first fetch is the right one. */
  constructor(query = '') {
    this.#state = { list: emptyList(query), counts: { total: 0, unread: 0 }, status: 'connecting' };
  }

  get state(): MailboxState {
    return this.#state;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * Connects the event stream and fetches the first page at once, in parallel. The stream
   * only carries what is stored after its hello, so the first hello also asks for anything
   * newer than the page (stored between the page's query and the subscription).
   */
  start(): () => void {
    const stop = connectLive({
      onHello: (reconnected) => {
        if (reconnected) this.reconcile(true);
        else void this.#head.then(() => this.#loadNewer());
      },
      // A burst skipped events of this database: read the first page again, as after a reconnect.
      onReset: (reason) => (reason === 'burst' ? this.reconcile(true) : this.#restart()),
      onEvent: (event) => this.#apply(event, true),
      onStatus: (status) => this.#set({ status }),
    });
    this.#head = this.#loadHead();
    return () => {
      clearTimeout(this.#notifyTimer);
      for (const timer of this.#timers.values()) clearTimeout(timer);
      stop();
    };
  }

  setQuery(query: string): void {
    if (query === this.#state.list.query) return;
    this.#generation++;
    this.#loadingMore = false;
    this.#set({ list: emptyList(query) });
    this.#head = this.#loadHead();
  }

  /** Fetches the next older page (the list calls it near its end). */
  async loadMore(): Promise<void> {
    const list = this.#state.list;
    if (list.nextCursor === null || this.#loadingMore || !list.loaded) return;
    this.#loadingMore = true;
    this.#setList({ loadingMore: true });
    const generation = this.#generation;
    const startSeq = this.#changes.seq;
    try {
      const page = await listMessages({ query: list.query, before: list.nextCursor });
      if (generation !== this.#generation) return;
      const current = this.#state.list.messages;
      const older = this.#changes.freshOnly(page.messages, current, startSeq);
      this.#setList({
        messages: [...current, ...older],
        nextCursor: page.nextCursor,
        loadingMore: false,
        error: null,
      });
    } catch (error) {
      if (generation === this.#generation)
        this.#setList({ loadingMore: false, error: listError(error) });
    } finally {
      if (generation === this.#generation) this.#loadingMore = false;
    }
  }

  /** Records that the server marked a message read (the message view's PATCH). */
  readonly noteRead = (id: number): void => {
    this.#maxSeen = Math.max(this.#maxSeen, id);
    this.#apply({ type: 'read', ids: [id], read: true }, false);
  };

  /** Whether a live event (or this inbox) deleted the message. */
  isDeleted(id: number): boolean {
    return this.#changes.isDeleted(id) || id <= this.#wipedThrough;
  }

  /** A change this inbox made, shown at once; the server's own event confirms it later. */
  applyLocal(event: LiveEvent): void {
    this.#apply(event, false);
  }

  /**
   * Reads the first page again, dropping older pages. After a reconnect events may have been
   * missed, so read states from before are not trusted either.
   */
  reconcile(reconnected: boolean): void {
    if (reconnected) this.#changes.forgetReads();
    this.#generation++;
    this.#loadingMore = false;
    void this.#loadHead();
    this.scheduleCounts();
  }

  /**
   * Starts over, as a page load would: the server's answers from before may belong to another
   * database. The list is emptied rather than merged, since an old row can share an id with
   * a new message.
   */
  #restart(): void {
    this.#changes.forgetAll();
    this.#maxSeen = 0;
    this.#wipedThrough = 0;
    this.#generation++;
    this.#loadingMore = false;
    this.#set({ list: emptyList(this.#state.list.query), counts: { total: 0, unread: 0 } });
    this.#head = this.#loadHead();
  }

  async #loadHead(): Promise<void> {
    const generation = this.#generation;
    const startSeq = this.#changes.seq;
    const query = this.#state.list.query;
    try {
      const page = await listMessages({ query });
      if (generation !== this.#generation) return;
      // Keep what arrived live while the page was on its way; older pages start over.
      const arrived = this.#state.list.messages.filter((m) =>
        this.#changes.arrivedAfter(m.id, startSeq),
      );
      const messages = mergeNewestFirst(
        arrived,
        this.#changes.freshOnly(page.messages, arrived, startSeq),
      );
      this.#setList({
        messages,
        total: page.total,
        totalCapped: page.totalCapped === true,
        unread: page.unread,
        nextCursor: page.nextCursor,
        loaded: true,
        loadingMore: false,
        error: null,
      });
      if (!query) this.#setCounts(page);
      if (this.#changes.seq !== startSeq || query) this.scheduleCounts();
    } catch (error) {
      if (generation === this.#generation) this.#setList({ loaded: true, error: listError(error) });
    }
  }

  /** A search cannot tell locally whether a new message matches; ask for what is newer. */
  async #loadNewer(): Promise<void> {
    const generation = this.#generation;
    const startSeq = this.#changes.seq;
    const list = this.#state.list;
    const top = list.messages[0]?.id;
    if (!list.loaded || top === undefined) return this.#loadHead();
    try {
      const page = await listMessages({ query: list.query, after: top });
      if (generation !== this.#generation) return;
      if (page.messages.length >= PAGE_SIZE) return this.reconcile(false);
      const current = this.#state.list.messages;
      const newer = this.#changes.freshOnly(page.messages, current, startSeq);
      for (const m of newer) this.#changes.noteArrival(m.id);
      this.#setList({
        messages: mergeNewestFirst(newer, current),
        total: page.total,
        totalCapped: page.totalCapped === true,
        unread: page.unread,
      });
    } catch {
      // The next event or reconnect tries again.
    }
  }

  #apply(event: LiveEvent, live: boolean): void {
    this.#changes.next();
    if (event.type === 'stored') this.#applyStored(event.message, live);
    else if (event.type === 'read') this.#applyRead(event.ids, event.read);
    else if (event.ids === 'all') return this.#applyWipe();
    else this.#applyDeleted(event.ids);
    // Local numbers are a guess for messages not loaded yet; the server has the truth.
    this.scheduleCounts();
  }

  #applyStored(message: MessageSummary, live: boolean): void {
    if (this.#changes.isDeleted(message.id)) return;
    this.#maxSeen = Math.max(this.#maxSeen, message.id);
    this.#bumpCounts(1, message.read ? 0 : 1);
    const list = this.#state.list;
    if (list.query) {
      this.#schedule('newer', NEWER_DEBOUNCE_MS, () => this.#loadNewer());
    } else {
      // Also while the first page is on its way: #loadHead keeps what arrived meanwhile.
      this.#changes.noteArrival(message.id);
      this.#set({ list: withStored(list, message) });
    }
    if (live) this.onStored?.(message);
  }

  #applyRead(ids: readonly number[] | 'all', read: boolean): void {
    this.#changes.noteRead(ids, read);
    const { list, unreadDelta } = withRead(this.#state.list, ids, read);
    this.#set({ list });
    this.#bumpCounts(0, unreadDelta);
  }

  #applyDeleted(ids: readonly number[]): void {
    this.#changes.noteDeleted(ids);
    const { list, removed, removedUnread } = withDeleted(this.#state.list, ids);
    this.#set({ list });
    this.#bumpCounts(-removed, -removedUnread);
  }

  /** Everything was deleted: start over, and drop any page that is still on its way. */
  #applyWipe(): void {
    const list = this.#state.list;
    this.#wipedThrough = Math.max(this.#wipedThrough, this.#maxSeen);
    this.#generation++;
    this.#loadingMore = false;
    this.#changes.wipe();
    this.#set({
      list: { ...emptyList(list.query), loaded: list.loaded },
      counts: { total: 0, unread: 0 },
    });
    if (list.query || !list.loaded) this.#head = this.#loadHead();
  }

  /** The totals shown are guesses for what is not loaded; ask the server (debounced). */
  scheduleCounts(): void {
    this.#schedule('counts', COUNTS_DEBOUNCE_MS, () => this.#refreshCounts());
  }

  async #refreshCounts(): Promise<void> {
    const query = this.#state.list.query;
    try {
      const [all, view] = await Promise.all([
        listMessages({ limit: 1 }),
        query ? listMessages({ query, limit: 1 }) : null,
      ]);
      this.#setCounts(all);
      if (this.#state.list.query === query && this.#state.list.loaded) {
        const source = view ?? all;
        this.#setList({
          total: source.total,
          totalCapped: source.totalCapped === true,
          unread: source.unread,
        });
      }
    } catch {
      // Offline; the reconnect refreshes everything.
    }
  }

  #schedule(name: string, delay: number, work: () => unknown): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        work();
      }, delay),
    );
  }

  #bumpCounts(total: number, unread: number): void {
    const counts = this.#state.counts;
    this.#set({
      counts: {
        total: Math.max(0, counts.total + total),
        unread: Math.max(0, counts.unread + unread),
      },
    });
  }

  #setCounts(page: ListPage): void {
    this.#set({ counts: { total: page.total, unread: page.unread } });
  }

  #setList(patch: Partial<ListState>): void {
    const top = patch.messages?.[0]?.id;
    if (top !== undefined && top > this.#maxSeen) this.#maxSeen = top;
    this.#set({ list: { ...this.#state.list, ...patch } });
  }

  #set(patch: Partial<MailboxState>): void {
    this.#state = { ...this.#state, ...patch };
    // A burst of mail (a test suite sending hundreds) renders at most once a frame.
    if (this.#notifyTimer === undefined) {
      this.#notifyTimer = setTimeout(() => {
        this.#notifyTimer = undefined;
        for (const listener of this.#listeners) listener();
      }, FRAME_MS);
    }
  }
}
