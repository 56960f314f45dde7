import type Database from 'better-sqlite3';
import type { RawSource } from '../mail/types.js';
import { Checkpointer } from './checkpointer.js';
import { selectionConditions, whereClause } from './list-queries.js';
import { MessageInserts, type StagedMessage } from './message-inserts.js';
import { openDatabase, writeTransaction, type OpenOptions } from './open-database.js';
import { StorageFullError } from './errors.js';
import { OutboxTables } from './outbox.js';
import { SearchIndexer } from './search-indexer.js';
import { SqliteReader } from './sqlite-reader.js';
import { TagTables } from './tags.js';
import { WebhookTables } from './webhooks.js';
import type {
  AttemptResult,
  ListOptions,
  ListResult,
  MessageDetail,
  MessageId,
  MessageSummary,
  NewMessage,
  NewOutboxEntry,
  OutboxChange,
  OutboxEntry,
  OutboxHistory,
  OutboxId,
  OutboxListOptions,
  OutboxPage,
  OutboxState,
  NewWebhookAttempt,
  Readiness,
  SearchText,
  Selection,
  Store,
  StoreEvent,
  StoreIdentity,
  StoreStats,
  WebhookAttemptPage,
  WebhookClaim,
  WebhookCursor,
} from './types.js';

export interface SqliteStoreOptions extends OpenOptions {
  /** 0 = unlimited. */
  readonly maxMessages: number;
  /** Milliseconds; 0 = keep forever. */
  readonly maxAgeMs: number;
  /** How often age-based pruning runs. */
  readonly pruneIntervalMs?: number;
}

export interface SqliteStoreHooks {
  /** Hears of a failure in work nobody awaits (the age-prune timer, events after a commit). */
  readonly onBackgroundError?: (what: string, error: unknown) => void;
}

export type { StagedMessage };

const AGE_PRUNE_BATCH = 5000;
/** Within this many pages of --max-db-size the database counts as full (a page is 4 KB). */
const FULL_HEADROOM_PAGES = 8;
/** How long the readiness probe waits for another connection's write lock. */
const PROBE_BUSY_TIMEOUT_MS = 250;

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #options: SqliteStoreOptions;
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #statements;
  readonly #pruneTimer: NodeJS.Timeout | undefined;
  readonly #hooks: SqliteStoreHooks;
  readonly #inserts: MessageInserts;
  readonly #outbox: OutboxTables;
  readonly #indexer: SearchIndexer;
  readonly #reader: SqliteReader;
  /** Null for ':memory:', which has no WAL. */
  readonly #checkpointer: Checkpointer | null;
  readonly #tags: TagTables;
  readonly #webhooks: WebhookTables;
  /** The --max-db-size budget in pages; 0 = none. */
  readonly #maxPageCount: number;
  /** The last message could not be stored for lack of space, and none has been since. */
  #full = false;

  constructor(options: SqliteStoreOptions, hooks: SqliteStoreHooks = {}) {
    this.#options = options;
    this.#hooks = hooks;
    const opened = openDatabase(options);
    this.#db = opened.db;
    this.#maxPageCount = opened.maxPageCount;
    this.#checkpointer =
      options.path === ':memory:' ? null : new Checkpointer({ db: this.#db, path: options.path });
    this.#statements = this.#prepare();
    const write = <T>(work: () => T) => this.#write(work);
    this.#outbox = new OutboxTables({ db: this.#db, write, emit: (event) => this.#emit(event) });
    this.#indexer = new SearchIndexer({ db: this.#db, write });
    this.#reader = new SqliteReader(this.#db);
    this.#tags = new TagTables(this.#db);
    this.#inserts = new MessageInserts({
      db: this.#db,
      write,
      tags: this.#tags,
      outbox: this.#outbox,
      pruneToLimit: () => this.#pruneToLimit(),
      indexer: this.#indexer,
      emit: (event) => this.#emit(event),
      onError: (error) => this.#backgroundError('after storing messages', error),
    });
    this.#webhooks = new WebhookTables(this.#db, (work) => this.#write(work));
    if (options.maxAgeMs > 0) {
      // Nobody awaits the timer: a failure (a locked or full disk) is reported, and the next
      // tick tries again. Unhandled, it would end the store's thread (issue 10).
      this.#pruneTimer = setInterval(
        () => void this.prune().catch((error) => this.#backgroundError('age prune', error)),
        options.pruneIntervalMs ?? 60_000,
      );
      this.#pruneTimer.unref();
    }
  }

  #backgroundError(what: string, error: unknown): void {
    (this.#hooks.onBackgroundError ?? reportToStderr)(what, error);
  }

  #prepare() {
    const db = this.#db;
    return {
      counts: db.prepare<[], { total: number; unread: number }>(
        'SELECT total, unread FROM message_counts',
      ),
      pruneOldest: db.prepare<[number], { id: number }>(
        'DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT ?) RETURNING id',
      ),
      pruneOlderThan: db.prepare<[number, number], { id: number }>(
        'DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE received_at < ? ORDER BY id LIMIT ?) RETURNING id',
      ),
      identity: db.prepare<[], { instanceId: string; lastMessageId: number }>(
        `SELECT id AS instanceId,
           coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0) AS lastMessageId
         FROM database_instance`,
      ),
      // Whichever of the two tables holds a message's text (see search-sql.ts); ids as JSON.
      searchText: db.prepare<[{ ids: string }], SearchText>(
        `SELECT rowid AS id, subject, sender, recipients, cc, body, filenames FROM message_search
           WHERE rowid IN (SELECT value FROM json_each(@ids))
         UNION ALL
         SELECT id, subject, sender, recipients, cc, body, filenames FROM search_pending
           WHERE id IN (SELECT value FROM json_each(@ids))`,
      ),
      usedPages: db.prepare<[], { pages: number }>(
        'SELECT page_count - freelist_count AS pages FROM pragma_page_count(), pragma_freelist_count()',
      ),
      probe: db.prepare<[number]>('UPDATE readiness_probe SET written_at = ?'),
    };
  }

  async addMessage(message: NewMessage | StagedMessage): Promise<MessageSummary> {
    const summary = await this.#inserts.add(message);
    this.#full = false;
    return summary;
  }

  /**
   * Writes the next bytes of a message still in DATA (StagedPieces); `key` null starts one.
   * Returns the key to continue it with and to pass to addMessage as `staged`.
   */
  async stageRaw(key: number | null, chunks: readonly Buffer[]): Promise<number> {
    return this.#inserts.stage(key, chunks);
  }

  /** Removes what was staged for a message that will not be stored (the client went away). */
  async discardStaged(key: number): Promise<void> {
    this.#inserts.discard(key);
  }

  /** A staged message's bytes for the parser: its pieces read back one at a time, then `tail`. */
  stagedSource(key: number, tail: readonly Buffer[]): RawSource {
    return this.#inserts.source(key, tail);
  }

  async listMessages(options: ListOptions): Promise<ListResult> {
    return this.#reader.listMessages(options);
  }

  /**
   * Moves every pending row into the search index now, a slice at a time. For bulk loads
   * (the benchmark's seeding) that must leave a database as indexed as a quiet server would.
   */
  async indexPendingSearch(): Promise<void> {
    while (this.#indexer.indexSlice()) await new Promise((resolve) => setImmediate(resolve));
  }

  async listMessagesAfter(after: MessageId, limit: number): Promise<readonly MessageSummary[]> {
    return this.#reader.listMessagesAfter(after, limit);
  }

  async getIdentity(): Promise<StoreIdentity> {
    return this.#statements.identity.get()!;
  }

  async getSearchText(ids: readonly MessageId[]): Promise<readonly SearchText[]> {
    return ids.length === 0 ? [] : this.#statements.searchText.all({ ids: JSON.stringify(ids) });
  }

  async getMessage(id: MessageId): Promise<MessageDetail> {
    return this.#reader.getMessage(id);
  }

  async getRaw(id: MessageId): Promise<Buffer> {
    return this.#reader.getRaw(id);
  }

  async setRead(selection: Selection, read: boolean): Promise<number> {
    const where = whereClause([
      { sql: 'm.is_read != ?', params: [read ? 1 : 0] },
      ...selectionConditions(selection),
    ]);
    const ids = this.#write(() =>
      this.#db
        .prepare<unknown[], { id: number }>(
          `UPDATE messages SET is_read = ? WHERE id IN (SELECT m.id FROM messages m ${where.sql}) RETURNING id`,
        )
        .all(read ? 1 : 0, ...where.params)
        .map((r) => r.id),
    );
    if (ids.length > 0) this.#emit({ type: 'read', ids: 'all' in selection ? 'all' : ids, read });
    return ids.length;
  }

  async deleteMessages(selection: Selection): Promise<number> {
    const where = whereClause(selectionConditions(selection));
    const ids = this.#freeSpace(() =>
      this.#db
        .prepare<unknown[], { id: number }>(
          `DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m ${where.sql}) RETURNING id`,
        )
        .all(...where.params)
        .map((r) => r.id),
    );
    if (ids.length > 0) {
      this.#full = false;
      this.#emit({ type: 'deleted', ids: 'all' in selection ? 'all' : ids });
    }
    return ids.length;
  }

  async listTags(): Promise<readonly string[]> {
    return [...this.#tags.counts().keys()];
  }

  async countTags(): Promise<ReadonlyMap<string, number>> {
    return this.#tags.counts();
  }

  async setTags(ids: readonly MessageId[], tags: readonly string[]): Promise<number> {
    return this.#write(() => this.#tags.retag(ids, () => tags)).length;
  }

  async renameTag(from: string, to: string): Promise<number> {
    const lower = from.toLowerCase();
    return this.#write(() =>
      this.#tags.retag(this.#tags.tagged(from), (tags) =>
        tags.map((t) => (t.toLowerCase() === lower ? to : t)),
      ),
    ).length;
  }

  async deleteTag(tag: string): Promise<number> {
    const lower = tag.toLowerCase();
    return this.#write(() =>
      this.#tags.retag(this.#tags.tagged(tag), (tags) =>
        tags.filter((t) => t.toLowerCase() !== lower),
      ),
    ).length;
  }

  async prune(): Promise<number> {
    const deleted = this.#write(() => this.#pruneToLimit());
    if (this.#options.maxAgeMs > 0) {
      const cutoff = Date.now() - this.#options.maxAgeMs;
      for (;;) {
        const batch = this.#freeSpace(() =>
          this.#statements.pruneOlderThan.all(cutoff, AGE_PRUNE_BATCH),
        ).map((r) => r.id);
        deleted.push(...batch);
        if (batch.length < AGE_PRUNE_BATCH) break;
      }
    }
    if (deleted.length > 0) {
      this.#full = false;
      this.#emit({ type: 'deleted', ids: deleted });
    }
    return deleted.length;
  }

  /** Runs inside a write transaction; returns the ids it deleted. */
  #pruneToLimit(): number[] {
    const { maxMessages } = this.#options;
    if (maxMessages <= 0) return [];
    const excess = this.#statements.counts.get()!.total - maxMessages;
    return excess > 0 ? this.#statements.pruneOldest.all(excess).map((r) => r.id) : [];
  }

  async stats(): Promise<StoreStats> {
    return this.#reader.stats();
  }

  /**
   * Not ready when the size budget is used up, when the last message could not be stored
   * for lack of space, or when a real write does not commit now (an I/O error, a read-only
   * file, another process holding the write lock). The probe waits for a lock briefly, not
   * for the 5 s that mail does: a probe must answer within its own timeout.
   */
  async readiness(): Promise<Readiness> {
    const limit = this.#options.maxDatabaseBytes ?? 0;
    if (
      this.#maxPageCount &&
      this.#statements.usedPages.get()!.pages >= this.#maxPageCount - FULL_HEADROOM_PAGES
    )
      return {
        ready: false,
        reason: `the database reached --max-db-size (${limit} bytes): delete messages or raise the limit`,
      };
    if (this.#full) {
      const reason = limit
        ? `the last message did not fit in --max-db-size (${limit} bytes) or on the disk: delete messages or raise the limit`
        : 'the last message did not fit on the disk: delete messages or free space';
      return { ready: false, reason };
    }
    const busyTimeout = this.#db.pragma('busy_timeout', { simple: true }) as number;
    this.#db.pragma(`busy_timeout = ${PROBE_BUSY_TIMEOUT_MS}`);
    try {
      this.#write(() => this.#statements.probe.run(Date.now()));
      return { ready: true };
    } catch (error) {
      return {
        ready: false,
        reason: `the database cannot be written: ${(error as Error).message}`,
      };
    } finally {
      this.#db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    this.#indexer.close();
    // Closing the last connection checkpoints the WAL and removes it.
    this.#checkpointer?.close();
    if (this.#db.open) this.#inserts.flush();
    this.#listeners.clear();
    if (this.#db.open) this.#db.close();
  }

  async addOutboxEntries(entries: readonly NewOutboxEntry[]): Promise<readonly OutboxEntry[]> {
    return this.#outbox.add(entries);
  }
  async claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<readonly OutboxEntry[]> {
    return this.#outbox.claimDue(now, limit, leaseMs);
  }
  async recordOutboxAttempts(results: readonly AttemptResult[]): Promise<readonly OutboxEntry[]> {
    return this.#outbox.record(results);
  }
  async renewOutboxLeases(
    ids: readonly OutboxId[],
    now: Date,
    leaseMs: number,
  ): Promise<readonly OutboxId[]> {
    return this.#outbox.renew(ids, now.getTime() + leaseMs);
  }
  async changeOutboxState(change: OutboxChange): Promise<readonly OutboxEntry[]> {
    return this.#outbox.change(change);
  }
  async requeueExpiredLeases(now: Date): Promise<number> {
    return this.#outbox.requeueExpired(now);
  }
  async listOutbox(options: OutboxListOptions): Promise<OutboxPage> {
    return this.#outbox.list(options);
  }
  async getOutboxEntry(id: OutboxId): Promise<OutboxEntry> {
    return this.#outbox.get(id);
  }
  async getOutboxHistory(messageId: MessageId): Promise<OutboxHistory> {
    return this.#outbox.history(messageId);
  }
  async nextOutboxDue(): Promise<Date | null> {
    return this.#outbox.nextDue();
  }
  async countOutboxByState(): Promise<Readonly<Record<OutboxState, number>>> {
    return this.#outbox.countByState();
  }

  async openWebhookCursor(webhook: string): Promise<WebhookCursor> {
    return this.#webhooks.open(webhook);
  }
  async recordWebhookAttempt(attempt: NewWebhookAttempt): Promise<WebhookCursor> {
    return this.#webhooks.record(attempt);
  }
  /** One process owns the file: its deliverer always has the turn. */
  async claimWebhookCursor(webhook: string): Promise<WebhookClaim> {
    return { held: true, cursor: this.#webhooks.open(webhook) };
  }
  async renewWebhookLease(): Promise<boolean> {
    return true;
  }
  async releaseWebhookCursor(): Promise<void> {}
  async advanceWebhookCursor(webhook: string, through: MessageId): Promise<void> {
    this.#webhooks.advance(webhook, through);
  }
  async listWebhookAttempts(
    webhook: string,
    options: { readonly limit: number; readonly before?: number },
  ): Promise<WebhookAttemptPage> {
    return this.#webhooks.list(webhook, options.limit, options.before);
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  /**
   * A delete under the --max-db-size budget. Deleting needs pages too (the FTS5 index
   * writes delete markers), so the budget is lifted for it: a full database must never
   * block the way out of being full. Freed pages are reused by the next inserts.
   */
  #freeSpace<T>(work: () => T): T {
    if (!this.#maxPageCount) return this.#write(work);
    this.#db.pragma('max_page_count = 4294967294');
    try {
      return this.#write(work);
    } finally {
      this.#db.pragma(`max_page_count = ${this.#maxPageCount}`);
    }
  }

  #write<T>(work: () => T): T {
    let result: T;
    try {
      result = writeTransaction(this.#db, work);
    } catch (error) {
      if (error instanceof StorageFullError) this.#full = true;
      throw error;
    }
    this.#checkpointer?.wrote();
    return result;
  }
}

function reportToStderr(what: string, error: unknown): void {
  process.stderr.write(
    `sluice store: ${what} failed: ${(error as Error).stack ?? String(error)}\n`,
  );
}
