import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { NewerDatabaseError, StorageFullError, StorageUnavailableError } from './errors.js';
import { MIGRATIONS } from './migrations/index.js';
import { OutboxTables } from './outbox.js';
import { toInsertRow, type InsertRow } from './insert-row.js';
import { piecesOf, PIECE_BYTES } from './raw-pieces.js';
import { SearchIndexer } from './search-indexer.js';
import { selectionConditions, whereClause } from './list-queries.js';
import { SqliteReader } from './sqlite-reader.js';
import { StagedPieces } from './staged-pieces.js';
import { WriteBatch } from './write-batch.js';
import type { RawSource } from '../mail/types.js';
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
  Selection,
  Store,
  StoreEvent,
  StoreReadiness,
  StoreStats,
} from './types.js';

export interface SqliteStoreOptions {
  /** File path or ':memory:'. */
  readonly path: string;
  /** 0 = unlimited. */
  readonly maxMessages: number;
  /** Milliseconds; 0 = keep forever. */
  readonly maxAgeMs: number;
  /** Bytes the database may grow to; writes past it fail with StorageFullError. 0 = no limit. */
  readonly maxDatabaseBytes?: number;
  /** How often age-based pruning runs. */
  readonly pruneIntervalMs?: number;
  /** How long a write waits for another connection's lock; default 5 s. */
  readonly busyTimeoutMs?: number;
}

export interface SqliteStoreHooks {
  /** Hears of a failure in work nobody awaits (the age-prune timer, events after a commit). */
  readonly onBackgroundError?: (what: string, error: unknown) => void;
}

/** A message whose first bytes were staged while DATA was arriving (StagedPieces). */
export interface StagedMessage extends NewMessage {
  /** The staging key; `raw` holds only the rest of the message. */
  readonly staged: number;
}

const AGE_PRUNE_BATCH = 5000;

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #options: SqliteStoreOptions;
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #statements;
  readonly #pruneTimer: NodeJS.Timeout | undefined;
  readonly #hooks: SqliteStoreHooks;
  readonly #inserts: WriteBatch<InsertRow, MessageSummary>;
  readonly #outbox: OutboxTables;
  readonly #indexer: SearchIndexer;
  readonly #reader: SqliteReader;
  readonly #staged: StagedPieces;
  /** Ids deleted by the retention limit in commits whose events have not gone out yet. */
  #pruned: number[] = [];
  /** The --max-db-size budget in pages; 0 = none. */
  #maxPageCount = 0;

  constructor(options: SqliteStoreOptions, hooks: SqliteStoreHooks = {}) {
    this.#options = options;
    this.#hooks = hooks;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new Database(options.path);
    // WAL with synchronous=NORMAL: a commit survives the process being killed (SIGKILL);
    // only a power cut can lose the last transactions, which is the right trade for a capture tool.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.#db.pragma('temp_store = MEMORY');
    if (options.maxDatabaseBytes) {
      const pageSize = this.#db.pragma('page_size', { simple: true }) as number;
      this.#maxPageCount = Math.max(1, Math.floor(options.maxDatabaseBytes / pageSize));
      this.#db.pragma(`max_page_count = ${this.#maxPageCount}`);
    }
    this.#migrate();
    this.#statements = this.#prepare();
    this.#outbox = new OutboxTables({
      db: this.#db,
      write: (work) => this.#write(work),
      emit: (event) => this.#emit(event),
    });
    this.#indexer = new SearchIndexer({ db: this.#db, write: (work) => this.#write(work) });
    this.#reader = new SqliteReader(this.#db);
    this.#staged = new StagedPieces({ db: this.#db, write: (work) => this.#write(work) });
    this.#inserts = new WriteBatch({
      commit: (rows) => this.#commitMessages(rows),
      committed: (summaries) => this.#messagesCommitted(summaries),
      onError: (error) => this.#backgroundError('after storing messages', error),
    });
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

  #migrate(): void {
    const current = this.#db.pragma('user_version', { simple: true }) as number;
    const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    if (current > latest) {
      this.#db.close();
      // Writing into a schema this version does not know could lose mail.
      throw new NewerDatabaseError(
        `${this.#options.path} was written by a newer Sluice (schema ${current}; this one knows up to ${latest}): ` +
          'upgrade Sluice or choose another file with --db',
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      this.#db.transaction(() => {
        this.#db.exec(migration.sql);
        this.#db.pragma(`user_version = ${migration.version}`);
      })();
    }
  }

  #prepare() {
    const db = this.#db;
    return {
      insertMessage: db.prepare(`
        INSERT INTO messages (received_at, mail_from, rcpt_to, from_addr, to_addrs, cc_addrs, bcc_addrs,
          subject, snippet, size, attachment_count, message_id, date, parse_error)
        VALUES (@receivedAt, @mailFrom, @rcptTo, @from, @to, @cc, @bcc,
          @subject, @snippet, @size, @attachmentCount, @messageId, @date, @parseError)`),
      insertBody: db.prepare(
        'INSERT INTO message_bodies (id, raw, detail, raw_pieces, pieces_key) VALUES (?, ?, ?, ?, ?)',
      ),
      insertPiece: db.prepare('INSERT INTO message_raw_pieces (id, seq, data) VALUES (?, ?, ?)'),
      insertSearch: db.prepare(
        'INSERT INTO search_pending (id, subject, sender, recipients, cc, body, filenames, chars) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      counts: db.prepare<[], { total: number; unread: number }>(
        'SELECT total, unread FROM message_counts',
      ),
      pruneOldest: db.prepare<[number], { id: number }>(
        'DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT ?) RETURNING id',
      ),
      pruneOlderThan: db.prepare<[number, number], { id: number }>(
        'DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE received_at < ? ORDER BY id LIMIT ?) RETURNING id',
      ),
    };
  }

  addMessage(message: NewMessage | StagedMessage): Promise<MessageSummary> {
    if (!('staged' in message)) return this.#inserts.submit(toInsertRow(message));
    const stagedBytes = this.#staged.bytes(message.staged);
    return this.#inserts.submit({ ...toInsertRow(message, stagedBytes), staged: message.staged });
  }

  /**
   * Writes the next bytes of a message still in DATA (StagedPieces); `key` null starts one.
   * Returns the key to continue it with and to pass to addMessage as `staged`.
   */
  async stageRaw(key: number | null, chunks: readonly Buffer[]): Promise<number> {
    return this.#staged.stage(key, chunks);
  }

  /** Removes what was staged for a message that will not be stored (the client went away). */
  async discardStaged(key: number): Promise<void> {
    this.#staged.discard(key);
  }

  /** A staged message's bytes for the parser: its pieces read back one at a time, then `tail`. */
  stagedSource(key: number, tail: readonly Buffer[]): RawSource {
    const staged = this.#staged;
    return {
      *[Symbol.iterator]() {
        yield* staged.read(key);
        yield* tail;
      },
    };
  }

  /** One transaction for a batch of new messages; its events go out after it (WriteBatch). */
  #commitMessages(rows: readonly InsertRow[]): MessageSummary[] {
    const { ids, pruned } = this.#write(() => {
      const ids = rows.map((row) => {
        const id = Number(this.#statements.insertMessage.run(row.message).lastInsertRowid);
        this.#insertRaw(id, row);
        this.#statements.insertSearch.run(id, ...row.search, row.searchChars);
        return id;
      });
      return { ids, pruned: this.#pruneToLimit() };
    });
    for (const row of rows) if (row.staged !== undefined) this.#staged.close(row.staged);
    this.#pruned.push(...pruned);
    this.#indexer.stored(rows.reduce((sum, row) => sum + row.searchChars, 0));
    return rows.map((row, i) => ({ id: ids[i]!, ...row.summary }));
  }

  #messagesCommitted(summaries: readonly MessageSummary[]): void {
    const pruned = this.#pruned.splice(0);
    if (pruned.length > 0) this.#emit({ type: 'deleted', ids: pruned });
    for (const message of summaries) this.#emit({ type: 'stored', message });
  }

  async listMessages(options: ListOptions): Promise<ListResult> {
    return this.#reader.listMessages(options);
  }

  /** Raw bytes up to a piece's size go in the body row; larger ones in pieces of their own. */
  #insertRaw(id: MessageId, row: InsertRow): void {
    if (row.staged !== undefined) {
      const pieces = this.#staged.finish(row.staged, row.raw);
      this.#statements.insertBody.run(id, Buffer.alloc(0), row.detail, pieces, row.staged);
      return;
    }
    if (row.size <= PIECE_BYTES) {
      const raw = row.raw.length === 1 ? row.raw[0]! : Buffer.concat(row.raw, row.size);
      this.#statements.insertBody.run(id, raw, row.detail, 0, null);
      return;
    }
    let seq = 0;
    for (const piece of piecesOf(row.raw)) this.#statements.insertPiece.run(id, seq++, piece);
    this.#statements.insertBody.run(id, Buffer.alloc(0), row.detail, seq, null);
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

  async getMessage(id: MessageId): Promise<MessageDetail> {
    return this.#reader.getMessage(id);
  }

  async getRaw(id: MessageId): Promise<Buffer> {
    return this.#reader.getRaw(id);
  }

  /** Ready when the database answers; the thread that serves it says more (ThreadedStore). */
  async readiness(): Promise<StoreReadiness> {
    this.#reader.stats();
    return { ready: true, reason: null };
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
    if (ids.length > 0) this.#emit({ type: 'deleted', ids: 'all' in selection ? 'all' : ids });
    return ids.length;
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
    if (deleted.length > 0) this.#emit({ type: 'deleted', ids: deleted });
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

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    this.#indexer.close();
    if (this.#db.open) this.#inserts.flush();
    this.#listeners.clear();
    if (this.#db.open) this.#db.close();
  }

  async addOutboxEntries(entries: readonly NewOutboxEntry[]): Promise<readonly OutboxEntry[]> {
    return this.#outbox.add(entries);
  }
  async claimDueOutbox(now: Date, limit: number): Promise<readonly OutboxEntry[]> {
    return this.#outbox.claimDue(now, limit);
  }
  async recordOutboxAttempts(results: readonly AttemptResult[]): Promise<readonly OutboxEntry[]> {
    return this.#outbox.record(results);
  }
  async changeOutboxState(change: OutboxChange): Promise<readonly OutboxEntry[]> {
    return this.#outbox.change(change);
  }
  async requeueSending(): Promise<number> {
    return this.#outbox.requeueSending();
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
  async getRelayCursor(): Promise<MessageId> {
    return this.#outbox.cursor();
  }
  async setRelayCursor(through: MessageId | 'newest'): Promise<void> {
    this.#outbox.setCursor(through);
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  /** One transaction; SQLite's failures become the store's own errors. */
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
    try {
      return this.#db.transaction(work).immediate();
    } catch (error) {
      throw translateError(error);
    }
  }
}

function reportToStderr(what: string, error: unknown): void {
  process.stderr.write(
    `sluice store: ${what} failed: ${(error as Error).stack ?? String(error)}\n`,
  );
}

function translateError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code.startsWith('SQLITE_FULL'))
    return new StorageFullError('the database disk is full', { cause: error });
  return new StorageUnavailableError(`the database refused the write (${code})`, { cause: error });
}
