import type { Logger } from '../log/logger.js';
import {
  compileSearch,
  matchSearch,
  matchTarget,
  type CompiledSearch,
  type MatchTarget,
} from '../store/search-match.js';
import type { SearchQuery } from '../store/search-query.js';
import type { MessageId, MessageSummary, Store, StoreEvent } from '../store/types.js';
import type { EventHub } from './hub/event-hub.js';
import { WaiterIndex } from './waiter-index.js';

/** Pending /api/messages/wait requests beyond --max-waiters get 503 and retry this much later. */
export const WAITER_RETRY_AFTER_SECONDS = 1;

export class TooManyWaitersError extends Error {
  override name = 'TooManyWaitersError';
}
export class WaitersClosedError extends Error {
  override name = 'WaitersClosedError';
}

export interface WaitRequest {
  readonly query?: SearchQuery;
  /** Only a message with a higher id counts. */
  readonly after?: MessageId;
  readonly timeoutMs: number;
  /** The client hung up: stop waiting. */
  readonly signal: AbortSignal;
}

interface Waiter {
  readonly after: MessageId;
  readonly group: Group;
  readonly settle: (message: MessageSummary | null, error?: Error) => void;
}

/** Waiters with the same search: it is decided once per new message for all of them. */
interface Group {
  readonly key: string;
  readonly search: CompiledSearch;
  readonly waiters: Set<Waiter>;
}

export interface MessageWaitersOptions {
  readonly store: Store;
  readonly hub: EventHub;
  readonly logger: Logger;
  /** Concurrent waiters; one more is refused with TooManyWaitersError. */
  readonly maxWaiters: number;
}

/**
 * Every pending "wait until a message matching X arrives", on one hub listener. Each batch
 * of new mail is matched in memory (search-match.ts) against the waiting searches it may
 * match (waiter-index.ts finds them by the header text they need); a search the summaries
 * cannot decide (a `body:` term, a word in no header) costs one read of the batch's search
 * text, shared by all such searches: never a query per waiter per message.
 */
export class MessageWaiters {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #maxWaiters: number;
  readonly #groups = new Map<string, Group>();
  readonly #index = new WaiterIndex<Group>();
  readonly #unlisten: () => void;
  #count = 0;
  /** Batches are matched one after another, so that the first message to arrive wins. */
  #matching: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: MessageWaitersOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#maxWaiters = options.maxWaiters;
    this.#unlisten = options.hub.listen((events) => this.#onBatch(events));
  }

  get size(): number {
    return this.#count;
  }

  /**
   * The newest match above `after` if there is one, else the first to arrive; null after the
   * timeout. The waiter is registered before the mailbox is searched, so a message stored
   * while that search runs is still matched when its batch comes.
   */
  wait(request: WaitRequest): Promise<MessageSummary | null> {
    if (this.#closed) return Promise.reject(new WaitersClosedError('the server is shutting down'));
    if (this.#count >= this.#maxWaiters) {
      return Promise.reject(
        new TooManyWaitersError(`${this.#maxWaiters} requests are already waiting (--max-waiters)`),
      );
    }
    return new Promise((resolve, reject) => {
      const { query, after = 0, timeoutMs, signal } = request;
      const deadline = Date.now() + timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const settle = (message: MessageSummary | null, error?: Error) => {
        if (!group.waiters.delete(waiter)) return;
        this.#count--;
        if (group.waiters.size === 0) {
          this.#groups.delete(group.key);
          this.#index.delete(group);
        }
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(message);
      };
      const onAbort = () => settle(null);
      const group = this.#group(query);
      const waiter: Waiter = { after, group, settle };
      group.waiters.add(waiter);
      this.#count++;
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) return onAbort();
      this.#store.listMessages({ limit: 1, query, after: request.after }).then(
        (page) => {
          const found = page.messages[0];
          if (found) return settle(found);
          // Armed once the search has answered: timeout=0 means "only what is there now".
          if (group.waiters.has(waiter))
            timer = setTimeout(() => settle(null), Math.max(0, deadline - Date.now()));
        },
        (error: Error) => settle(null, error),
      );
    });
  }

  /** Answers every waiter at once (shutdown), so that nothing holds the process open. */
  close(): void {
    this.#closed = true;
    this.#unlisten();
    const closing = new WaitersClosedError('the server is shutting down');
    for (const group of [...this.#groups.values()])
      for (const waiter of [...group.waiters]) waiter.settle(null, closing);
  }

  #group(query: SearchQuery | undefined): Group {
    const key = query?.text ?? '';
    let group = this.#groups.get(key);
    if (!group) {
      group = { key, search: compileSearch(query), waiters: new Set() };
      this.#groups.set(key, group);
      this.#index.add(group);
    }
    return group;
  }

  #onBatch(events: readonly StoreEvent[]): void {
    const stored = events.flatMap((event) => (event.type === 'stored' ? [event.message] : []));
    if (stored.length === 0 || this.#count === 0) return;
    this.#matching = this.#matching
      .then(() => this.#match(stored))
      .catch((error: Error) =>
        this.#logger.error('matching waiters failed', { error: error.message }),
      );
  }

  async #match(messages: readonly MessageSummary[]): Promise<void> {
    const targets = messages.map((message) => matchTarget(message));
    const verdicts = this.#tryCandidates(targets);
    const undecided: [Group, Verdicts][] = [];
    const unknownIds = new Set<MessageId>();
    for (const [group, list] of verdicts) {
      if (!list.includes(undefined)) answer(group, targets, list);
      else {
        undecided.push([group, list]);
        list.forEach(
          (verdict, i) => verdict === undefined && unknownIds.add(targets[i]!.summary.id),
        );
      }
    }
    if (undecided.length === 0) return;
    // One read for every search the summaries could not decide; a message deleted since is
    // not there and matches nothing.
    const texts = new Map((await this.#store.getSearchText([...unknownIds])).map((t) => [t.id, t]));
    const complete = targets.map((target) => {
      const text = texts.get(target.summary.id);
      return text ? matchTarget(target.summary, text) : target;
    });
    for (const [group, list] of undecided) {
      const decided = list.map((verdict, i) =>
        verdict === undefined ? (matchSearch(group.search, complete[i]!) ?? false) : verdict,
      );
      answer(group, complete, decided);
    }
  }

  /**
   * Each waiting search's verdict on each message, tried only where the index says it may
   * match: a message it was not tried on does not match it.
   */
  #tryCandidates(targets: readonly MatchTarget[]): Map<Group, Verdicts> {
    const verdicts = new Map<Group, Verdicts>();
    targets.forEach((target, i) => {
      for (const group of this.#index.candidates(target)) {
        let list = verdicts.get(group);
        if (!list) verdicts.set(group, (list = targets.map(() => false)));
        list[i] = matchSearch(group.search, target);
      }
    });
    return verdicts;
  }
}

type Verdicts = (boolean | undefined)[];

/** Each waiter of the group gets the first message above its `after` that matched. */
function answer(
  group: Group,
  targets: readonly MatchTarget[],
  verdicts: readonly (boolean | undefined)[],
): void {
  if (!verdicts.includes(true)) return;
  for (const waiter of [...group.waiters]) {
    const index = targets.findIndex((t, i) => verdicts[i] === true && t.summary.id > waiter.after);
    if (index >= 0) waiter.settle(targets[index]!.summary);
  }
}
