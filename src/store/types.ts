import type { Address, HeaderField, ParsedMessage, PartInfo, RawMessage } from '../mail/types.js';
import type { SearchQuery } from './search-query.js';

export type { Address, HeaderField, PartInfo } from '../mail/types.js';

export type MessageId = number;

/** What the SMTP session knew about a message. */
export interface Envelope {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
}

export interface ReceivedFrom {
  /** Client IP address. */
  readonly address: string;
  /** Name the client gave in HELO/EHLO. */
  readonly helo: string;
  readonly authUser: string | null;
  readonly tls: boolean;
}

export interface NewMessage {
  /** One buffer, or the chunks as received (a large message is then never joined). */
  readonly raw: RawMessage;
  readonly parsed: ParsedMessage;
  readonly envelope: Envelope;
  readonly client: ReceivedFrom;
  /** Defaults to now. The fast seeding path of the benchmark sets it. */
  readonly receivedAt?: Date;
  /** What the relay rules queue or hold for it: inserted in the transaction that stores it. */
  readonly outbox?: readonly OutboxDecision[];
}

/** One row of a list: no bodies. */
export interface MessageSummary {
  readonly id: MessageId;
  readonly receivedAt: string;
  readonly envelope: Envelope;
  readonly from: Address | null;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  /** Bcc header recipients plus envelope recipients that no To/Cc header names. */
  readonly bcc: readonly Address[];
  readonly subject: string;
  readonly snippet: string;
  readonly size: number;
  readonly attachmentCount: number;
  readonly read: boolean;
  readonly tags: readonly string[];
  readonly messageId: string | null;
  /** The Date header, ISO 8601, or null when absent or unreadable. */
  readonly date: string | null;
  readonly parseError: boolean;
}

export interface MessageDetail extends MessageSummary {
  readonly replyTo: readonly Address[];
  readonly headers: readonly HeaderField[];
  readonly text: string | null;
  readonly html: string | null;
  readonly parts: readonly PartInfo[];
  readonly client: ReceivedFrom;
  /** Why the MIME structure could not be read, when it could not. */
  readonly parseErrorMessage: string | null;
}

export interface ListOptions {
  /** At most this many, newest first. */
  readonly limit: number;
  /** Only messages older than this id (the previous page's `nextCursor`). */
  readonly before?: MessageId;
  /** Only messages newer than this id. */
  readonly after?: MessageId;
  /**
   * Skip this many matches first. For the peers' APIs that page by position (Mailpit's
   * `start`, MailHog's `start`); the native API pages by cursor.
   */
  readonly offset?: number;
  readonly query?: SearchQuery;
}

export interface ListResult {
  readonly messages: readonly MessageSummary[];
  /** Messages that match (all of them when there is no query). */
  readonly total: number;
  /** Unread messages that match. */
  readonly unread: number;
  /**
   * Present only when a search matched more than it counts (see COUNT_CAP in
   * list-queries.ts): `total` and `unread` then count the newest `total` matches.
   */
  readonly totalCapped?: true;
  /** Pass as `before` for the next page; null on the last page. */
  readonly nextCursor: MessageId | null;
}

/** Which messages a bulk action applies to. */
export type Selection =
  { readonly ids: readonly MessageId[] } | { readonly all: true } | { readonly query: SearchQuery };

/** Which database answers, and how far its ids have gone: where a live client may resume. */
export interface StoreIdentity {
  /** Made once with the database (a `:memory:` one gets a new one each start). */
  readonly instanceId: string;
  /** The highest id ever given to a message, 0 before the first; ids are never reused. */
  readonly lastMessageId: MessageId;
}

/**
 * A message's search text, folded as it is indexed (search-fold.ts): what a search term is
 * matched against. `any` terms look in every field.
 */
export interface SearchText {
  readonly id: MessageId;
  readonly subject: string;
  readonly sender: string;
  readonly recipients: string;
  readonly cc: string;
  readonly body: string;
  readonly filenames: string;
}

export interface StoreStats {
  readonly total: number;
  readonly unread: number;
  readonly databaseBytes: number;
}

/** Emitted after the change is committed. */
export type StoreEvent =
  | { readonly type: 'stored'; readonly message: MessageSummary }
  | { readonly type: 'read'; readonly ids: readonly MessageId[] | 'all'; readonly read: boolean }
  | { readonly type: 'deleted'; readonly ids: readonly MessageId[] | 'all' }
  | { readonly type: 'outbox'; readonly entries: readonly OutboxEntry[] };

export type OutboxId = number;
export const OUTBOX_STATES = ['held', 'queued', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** One recipient of one message on its way to an upstream. */
export interface OutboxEntry {
  readonly id: OutboxId;
  readonly messageId: MessageId;
  /** The address it is sent to (after a rule's rewrite). */
  readonly recipient: string;
  readonly originalRecipient: string;
  readonly upstream: string;
  /** Why it is in the outbox: the rule's name or 'manual release'. */
  readonly reason: string;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly createdAt: string;
  /** When it was last queued by a rule or a person; retries give up a maximum age after it. */
  readonly queuedAt: string | null;
  readonly nextAttemptAt: string | null;
  readonly updatedAt: string;
  /** The upstream's last reply, or why the last attempt failed. */
  readonly lastReply: string | null;
  /** Who let it leave by hand (released, approved or retried it); null when a rule did. */
  readonly releasedBy: string | null;
  /** Who stopped it by hand (rejected or cancelled it); null otherwise. */
  readonly cancelledBy: string | null;
}

export interface OutboxAttempt {
  readonly outboxId: OutboxId;
  readonly at: string;
  readonly outcome: 'sent' | 'transient' | 'permanent';
  readonly reply: string;
}

export interface NewOutboxEntry {
  readonly messageId: MessageId;
  readonly recipient: string;
  readonly originalRecipient: string;
  readonly upstream: string;
  readonly reason: string;
  readonly state: 'held' | 'queued';
  /** The person or token releasing it by hand; absent when a rule queues or holds it. */
  readonly releasedBy?: string | null;
}

/** An outbox entry for a message that has no id yet: the relay's decision at capture. */
export type OutboxDecision = Omit<NewOutboxEntry, 'messageId'>;

/** How one attempt went for one entry. */
export interface AttemptResult {
  readonly id: OutboxId;
  readonly outcome: OutboxAttempt['outcome'];
  readonly reply: string;
  /** For a transient failure: when to try again; null gives up (failed). */
  readonly retryAt: Date | null;
}

/** A person's or the API's change of state; only entries now in one of `from` change. */
export interface OutboxChange {
  readonly ids?: readonly OutboxId[];
  readonly messageIds?: readonly MessageId[];
  readonly from: readonly OutboxState[];
  readonly to: 'queued' | 'cancelled';
  /** Who asked: recorded as releasedBy (to queued) or cancelledBy (to cancelled). */
  readonly by?: string | null;
}

export interface OutboxListOptions {
  readonly limit: number;
  readonly before?: OutboxId;
  readonly states?: readonly OutboxState[];
}

export interface OutboxPage {
  readonly entries: readonly OutboxEntry[];
  readonly nextCursor: OutboxId | null;
}

export interface OutboxHistory {
  readonly entries: readonly OutboxEntry[];
  readonly attempts: readonly OutboxAttempt[];
}

/** Where one webhook is in the stream of messages (src/webhooks). */
export interface WebhookCursor {
  readonly webhook: string;
  /** Every message up to this id was delivered, skipped by the filter, or given up on. */
  readonly deliveredThrough: MessageId;
  /** The message that failed and waits for its next attempt; null when none does. */
  readonly retryMessageId: MessageId | null;
  /** Attempts on `retryMessageId` so far. */
  readonly attempts: number;
  readonly firstAttemptAt: string | null;
  readonly nextAttemptAt: string | null;
}

/**
 * Whether this instance may deliver a webhook now (several instances share a PostgreSQL
 * database): its cursor, read afresh, or when the instance that has the turn lets it go.
 */
export type WebhookClaim =
  | { readonly held: true; readonly cursor: WebhookCursor }
  | { readonly held: false; readonly until: Date };

/** `refused`: the target resolved to an address webhooks may not reach (SSRF guard). */
export type WebhookOutcome = 'delivered' | 'failed' | 'refused';

export interface WebhookAttempt {
  readonly id: number;
  readonly webhook: string;
  readonly messageId: MessageId;
  readonly at: string;
  readonly outcome: WebhookOutcome;
  /** The receiver's HTTP status; null when there was no response. */
  readonly status: number | null;
  /** The status line, or what went wrong on the way. */
  readonly reply: string;
  readonly durationMs: number;
  /** When the message is tried again; null once delivered or given up. */
  readonly retryAt: string | null;
}

export type NewWebhookAttempt = Omit<WebhookAttempt, 'id' | 'at' | 'retryAt'> & {
  readonly retryAt: Date | null;
};

export interface WebhookAttemptPage {
  readonly attempts: readonly WebhookAttempt[];
  readonly nextCursor: number | null;
}

/** Whether the store can take mail now; the readiness probes answer with it. */
export type Readiness =
  { readonly ready: true } | { readonly ready: false; readonly reason: string };

/**
 * The mailbox. Asynchronous and free of SQL so that another engine can sit behind it;
 * nothing above this interface may assume one process owns the data.
 */
export interface Store {
  addMessage(message: NewMessage): Promise<MessageSummary>;
  listMessages(options: ListOptions): Promise<ListResult>;
  /** Messages with an id above `after`, oldest first: what a reconnecting client missed. */
  listMessagesAfter(after: MessageId, limit: number): Promise<readonly MessageSummary[]>;
  /** Which database this is and the last id it gave: a live client's resume point is checked against it. */
  getIdentity(): Promise<StoreIdentity>;
  /** The search text of these messages (those that still exist), in no particular order. */
  getSearchText(ids: readonly MessageId[]): Promise<readonly SearchText[]>;
  getMessage(id: MessageId): Promise<MessageDetail>;
  getRaw(id: MessageId): Promise<Buffer>;
  setRead(selection: Selection, read: boolean): Promise<number>;
  deleteMessages(selection: Selection): Promise<number>;
  /** Every tag in use, sorted. */
  listTags(): Promise<readonly string[]>;
  /** Every tag in use, sorted, with how many messages carry it. */
  countTags(): Promise<ReadonlyMap<string, number>>;
  /** Replaces each message's tags (cleaned: see src/store/tags.ts); returns how many changed. */
  setTags(ids: readonly MessageId[], tags: readonly string[]): Promise<number>;
  /** Renames a tag (any case) on every message that has it; returns how many changed. */
  renameTag(from: string, to: string): Promise<number>;
  /** Removes a tag (any case) from every message; the messages stay. */
  deleteTag(tag: string): Promise<number>;
  /** Applies the retention limits now; also runs on its own after inserts and on a timer. */
  prune(): Promise<number>;
  stats(): Promise<StoreStats>;
  /** Ready when a write commits now and the size limit is not reached; never throws. */
  readiness(): Promise<Readiness>;
  subscribe(listener: (event: StoreEvent) => void): () => void;
  close(): Promise<void>;

  // The relay outbox (see src/store/outbox.ts).
  addOutboxEntries(entries: readonly NewOutboxEntry[]): Promise<readonly OutboxEntry[]>;
  /**
   * Moves up to `limit` due entries to 'sending' under a lease of `leaseMs` and returns them,
   * oldest first: queued entries whose time has come, and 'sending' ones whose lease ran out
   * (whoever was sending them died). While 'sending', `nextAttemptAt` is when the lease ends.
   */
  claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<readonly OutboxEntry[]>;
  /**
   * Records each result. On a shared database an entry moves on only while this store still
   * holds its lease: a result of a send whose lease another instance took over is kept in
   * the history and leaves the entry as the other instance has it.
   */
  recordOutboxAttempts(results: readonly AttemptResult[]): Promise<readonly OutboxEntry[]>;
  /**
   * The heartbeat of sends in progress: extends to `now + leaseMs` the leases this store still
   * holds on these entries, and returns their ids (an id missing was taken over).
   */
  renewOutboxLeases(
    ids: readonly OutboxId[],
    now: Date,
    leaseMs: number,
  ): Promise<readonly OutboxId[]>;
  changeOutboxState(change: OutboxChange): Promise<readonly OutboxEntry[]>;
  /**
   * Entries whose lease ran out go back to 'queued', to be sent again (at-least-once); returns
   * how many. An engine that one process owns (SQLite) counts every lease taken before it
   * opened as run out: that process is gone.
   */
  requeueExpiredLeases(now: Date): Promise<number>;
  listOutbox(options: OutboxListOptions): Promise<OutboxPage>;
  getOutboxEntry(id: OutboxId): Promise<OutboxEntry>;
  getOutboxHistory(messageId: MessageId): Promise<OutboxHistory>;
  /** When the worker is next needed: a queued entry falls due or a lease runs out; null when neither. */
  nextOutboxDue(): Promise<Date | null>;
  /** How many outbox entries are in each state (every state, 0 included). */
  countOutboxByState(): Promise<Readonly<Record<OutboxState, number>>>;

  // Webhooks (see src/store/webhooks.ts).
  /** The webhook's cursor; a webhook seen for the first time starts after the newest message. */
  openWebhookCursor(webhook: string): Promise<WebhookCursor>;
  /**
   * Records an attempt in one transaction with its effect: a delivery, or a failure with no
   * retry left, moves the cursor past the message; a failure sets its next attempt.
   */
  recordWebhookAttempt(attempt: NewWebhookAttempt): Promise<WebhookCursor>;
  /**
   * Takes the webhook's turn for `leaseMs` (and returns its cursor as it is now), unless
   * another instance holds an unexpired lease on it. One process owns a SQLite file: there
   * the turn is always this store's.
   */
  claimWebhookCursor(webhook: string, leaseMs: number): Promise<WebhookClaim>;
  /** The heartbeat of a delivery in progress; false once another instance took the turn over. */
  renewWebhookLease(webhook: string, leaseMs: number): Promise<boolean>;
  /** Gives the turn back (nothing left to deliver now), so that any instance may take it. */
  releaseWebhookCursor(webhook: string): Promise<void>;
  /** Moves the cursor forward past messages the filter skips (never back). */
  advanceWebhookCursor(webhook: string, through: MessageId): Promise<void>;
  /** Newest first; `before` is the previous page's nextCursor. */
  listWebhookAttempts(
    webhook: string,
    options: { readonly limit: number; readonly before?: number },
  ): Promise<WebhookAttemptPage>;
}
