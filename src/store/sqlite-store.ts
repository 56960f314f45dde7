import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  MessageNotFoundError,
  NewerDatabaseError,
  StorageFullError,
  StorageUnavailableError,
} from './errors.js';
import { MIGRATIONS } from './migrations/index.js';
import { OutboxTables } from './outbox.js';
import { decisionsOf, toInsertRow, type InsertRow } from './insert-row.js';
import { SUMMARY_COLUMNS, toDetail, toSummary, type SummaryRow } from './rows.js';
import { piecesOf, PIECE_BYTES } from './raw-pieces.js';
import { SearchIndexer } from './search-indexer.js';
import { listMessagePage, selectionConditions, whereClause } from './list-queries.js';
import { TagTables } from './tags.js';
import { WriteBatch } from './write-batch.js';
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
  Readiness,
  SearchText,
  Selection,
  Store,
  StoreEvent,
  StoreIdentity,
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
}

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
  readonly #inserts = new WriteBatch<InsertRow, MessageSummary>((rows) =>
    this.#commitMessages(rows),
  );
  readonly #outbox: OutboxTables;
  readonly #indexer: SearchIndexer;
  readonly #tags: TagTables;
  /** The --max-db-size budget in pages; 0 = none. */
  #maxPageCount = 0;
  /** The last message could not be stored for lack of space, and none has been since. */
  #full = false;

  constructor(options: SqliteStoreOptions) {
    this.#options = options;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new Database(options.path);
    // WAL with synchronous=NORMAL: a commit survives the process being killed (SIGKILL);
    // only a power cut can lose the last transactions, which is the right trade for a capture tool.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
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
    this.#tags = new TagTables(this.#db);
    if (options.maxAgeMs > 0) {
      this.#pruneTimer = setInterval(() => void this.prune(), options.pruneIntervalMs ?? 60_000);
      this.#pruneTimer.unref();
    }
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
          subject, snippet, size, attachment_count, message_id, date, parse_error, tags)
        VALUES (@receivedAt, @mailFrom, @rcptTo, @from, @to, @cc, @bcc,
          @subject, @snippet, @size, @attachmentCount, @messageId, @date, @parseError, @tags)`),
      insertBody: db.prepare(
        'INSERT INTO message_bodies (id, raw, detail, raw_pieces) VALUES (?, ?, ?, ?)',
      ),
      insertPiece: db.prepare('INSERT INTO message_raw_pieces (id, seq, data) VALUES (?, ?, ?)'),
      pieces: db.prepare<[number], { data: Buffer }>(
        'SELECT data FROM message_raw_pieces WHERE id = ? ORDER BY seq',
      ),
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
      summary: db.prepare<[number], SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.id = ?`,
      ),
      after: db.prepare<[number, number], SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.id > ? ORDER BY m.id LIMIT ?`,
      ),
      detail: db.prepare<[number], { detail: string }>(
        'SELECT detail FROM message_bodies WHERE id = ?',
      ),
      raw: db.prepare<[number], { raw: Buffer; pieces: number }>(
        'SELECT raw, raw_pieces AS pieces FROM message_bodies WHERE id = ?',
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
      pageCount: db.prepare<[], { bytes: number }>(
        'SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()',
      ),
      usedPages: db.prepare<[], { pages: number }>(
        'SELECT page_count - freelist_count AS pages FROM pragma_page_count(), pragma_freelist_count()',
      ),
      probe: db.prepare<[number]>('UPDATE readiness_probe SET written_at = ?'),
    };
  }

  addMessage(message: NewMessage): Promise<MessageSummary> {
    return this.#inserts.submit(toInsertRow(message));
  }

  /**
   * One transaction for a batch of new messages and their relay decisions (so that a 250
   * means both are kept, or neither); events go out after it commits.
   */
  #commitMessages(rows: readonly InsertRow[]): MessageSummary[] {
    const { ids, pruned, outbox } = this.#write(() => {
      const ids = rows.map((row) => {
        const id = Number(this.#statements.insertMessage.run(row.message).lastInsertRowid);
        this.#insertRaw(id, row);
        this.#statements.insertSearch.run(id, ...row.search, row.searchChars);
        this.#tags.added(id, row.tags);
        return id;
      });
      const pruned = this.#pruneToLimit();
      return { ids, pruned, outbox: this.#outbox.insert(decisionsOf(rows, ids, pruned)) };
    });
    this.#full = false;
    this.#indexer.stored(rows.reduce((sum, row) => sum + row.searchChars, 0));
    const summaries = ids.map((id) => toSummary(this.#statements.summary.get(id)!));
    if (pruned.length > 0) this.#emit({ type: 'deleted', ids: pruned });
    for (const message of summaries) this.#emit({ type: 'stored', message });
    this.#outbox.announce(outbox);
    return summaries;
  }

  /** Searches count up to COUNT_CAP matches (list-queries.ts); `totalCapped` says when there are more. */
  async listMessages(options: ListOptions): Promise<ListResult> {
    return listMessagePage(this.#db, options);
  }

  /** Raw bytes up to a piece's size go in the body row; larger ones in pieces of their own. */
  #insertRaw(id: MessageId, row: InsertRow): void {
    if (row.size <= PIECE_BYTES) {
      const raw = row.raw.length === 1 ? row.raw[0]! : Buffer.concat(row.raw, row.size);
      this.#statements.insertBody.run(id, raw, row.detail, 0);
      return;
    }
    let seq = 0;
    for (const piece of piecesOf(row.raw)) this.#statements.insertPiece.run(id, seq++, piece);
    this.#statements.insertBody.run(id, Buffer.alloc(0), row.detail, seq);
  }

  /**
   * Moves every pending row into the search index now, a slice at a time. For bulk loads
   * (the benchmark's seeding) that must leave a database as indexed as a quiet server would.
   */
  async indexPendingSearch(): Promise<void> {
    while (this.#indexer.indexSlice()) await new Promise((resolve) => setImmediate(resolve));
  }

  async listMessagesAfter(after: MessageId, limit: number): Promise<readonly MessageSummary[]> {
    return this.#statements.after.all(after, limit).map(toSummary);
  }

  async getIdentity(): Promise<StoreIdentity> {
    return this.#statements.identity.get()!;
  }

  async getSearchText(ids: readonly MessageId[]): Promise<readonly SearchText[]> {
    return ids.length === 0 ? [] : this.#statements.searchText.all({ ids: JSON.stringify(ids) });
  }

  async getMessage(id: MessageId): Promise<MessageDetail> {
    const row = this.#statements.summary.get(id);
    const body = row && this.#statements.detail.get(id);
    if (!row || !body) throw new MessageNotFoundError(id);
    return toDetail(row, body.detail);
  }

  async getRaw(id: MessageId): Promise<Buffer> {
    const body = this.#statements.raw.get(id);
    if (!body) throw new MessageNotFoundError(id);
    if (body.pieces === 0) return body.raw;
    return Buffer.concat(this.#statements.pieces.all(id).map((piece) => piece.data));
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
    const counts = this.#statements.counts.get()!;
    return { ...counts, databaseBytes: this.#statements.pageCount.get()!.bytes };
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
      const translated = translateError(error);
      if (translated instanceof StorageFullError) this.#full = true;
      throw translated;
    }
  }
}

function translateError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code.startsWith('SQLITE_FULL'))
    return new StorageFullError('the database disk is full', { cause: error });
  return new StorageUnavailableError(`the database refused the write (${code})`, { cause: error });
}
