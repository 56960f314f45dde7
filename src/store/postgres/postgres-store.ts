import { randomUUID } from 'node:crypto';
import { toInsertRow, type InsertRow } from '../insert-row.js';
import { toSummary } from '../rows.js';
import type {
  AttemptResult,
  ListOptions,
  ListResult,
  MessageDetail,
  MessageId,
  MessageSummary,
  NewMessage,
  NewOutboxEntry,
  NewWebhookAttempt,
  OutboxChange,
  OutboxEntry,
  OutboxHistory,
  OutboxId,
  OutboxListOptions,
  OutboxPage,
  OutboxState,
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
} from '../types.js';
import { toCursor } from '../webhooks.js';
import {
  connect,
  redactUrl,
  schemaFor,
  type ReservedSql,
  type Sql,
  type TransactionSql,
} from './connection.js';
import { StorageFullError } from '../errors.js';
import { retrying } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { insertMessages, pruneToLimit, type Inserted } from './insert.js';
import {
  identity,
  listMessagePage,
  messageDetail,
  messagesAfter,
  rawBytes,
  run,
  searchTextOf,
  selected,
} from './message-queries.js';
import { migrate } from './migrate.js';
import { Announcer } from './announcer.js';
import { SearchIndexer } from './search-indexer.js';
import { retag, tagCounts, taggedWith } from './tags.js';
import { channelFor, encodeNotices } from './notices.js';
import * as outbox from './outbox.js';
import * as webhooks from './webhooks.js';
import { fragment, join } from './fragment.js';
import { PgStaging } from './staging.js';
import type { StagedMessage } from '../message-inserts.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  readonly url: string;
  /** Isolates a team's mailbox in a schema of its own; null = the shared `sluice` schema. */
  readonly tenant: string | null;
  /** 0 = unlimited. */
  readonly maxMessages: number;
  /** Milliseconds; 0 = keep forever. */
  readonly maxAgeMs: number;
  /** Bytes of mail the schema may hold; writes past it fail with StorageFullError. 0 = no limit. */
  readonly maxDatabaseBytes?: number;
  /** How often age-based pruning runs. */
  readonly pruneIntervalMs?: number;
}

/** Connections per instance: ingest, the HTTP side's reads and the relay share them. */
const POOL_SIZE = 4;
const AGE_PRUNE_BATCH = 5000;
/** Within this many bytes of --max-db-size the database counts as full (as SQLite's 8 pages). */
const FULL_HEADROOM_BYTES = 32 * 1024;
/** How long the readiness probe waits for a lock; the whole probe gets four times that. */
const PROBE_TIMEOUT_MS = 250;

type Announce = (event: StoreEvent) => void;

/**
 * The Store on PostgreSQL, for several Sluice instances sharing one mailbox. Each change is
 * announced with NOTIFY in its own transaction; every instance turns the others' notices
 * into its own events (remote-events.ts), so live views and waiters see all mail.
 */
export class PostgresStore implements Store {
  readonly #sql: Sql;
  readonly #options: PostgresStoreOptions;
  readonly #schema: string;
  readonly #channel: string;
  /** Tells this store's notices from the others'; also names its outbox leases. */
  readonly #origin = randomUUID();
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #inserts = new GroupCommit<InsertRow, MessageSummary>((rows) =>
    this.#commitMessages(rows),
  );
  readonly #announcer: Announcer;
  readonly #indexer: SearchIndexer;
  readonly #staging: PgStaging;
  #pruneTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The last message could not be stored for lack of space, and none has been since. */
  #full = false;

  private constructor(options: PostgresStoreOptions) {
    this.#options = options;
    this.#schema = schemaFor(options.tenant);
    this.#channel = channelFor(this.#schema);
    this.#sql = connect({ url: options.url, schema: this.#schema, max: POOL_SIZE });
    this.#indexer = new SearchIndexer({ sql: this.#sql, schema: this.#schema });
    // A renewal that fails is tried again at the next beat, a third of a lease later.
    this.#staging = new PgStaging({ sql: this.#sql, holder: this.#origin, onError: () => {} });
    this.#announcer = new Announcer({
      sql: this.#sql,
      channel: this.#channel,
      origin: this.#origin,
      emit: (event) => this.#emit(event),
    });
  }

  /** Connects, brings the schema up to date and starts hearing the other instances. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await retrying(() => migrate(store.#sql, store.#schema, redactUrl(options.url)));
      const [newest] = await store.#sql<
        { id: number }[]
      >`SELECT coalesce(max(id), 0) AS id FROM messages`;
      await store.#announcer.start(newest!.id);
      await store.#staging.removeAbandoned();
    } catch (error) {
      store.#staging.stop();
      await store.#sql.end({ timeout: 1 }).catch(() => {});
      throw error;
    }
    if (options.maxAgeMs > 0) {
      store.#pruneTimer = setInterval(
        () => void store.prune().catch(() => {}),
        options.pruneIntervalMs ?? 60_000,
      );
      store.#pruneTimer.unref();
    }
    return store;
  }

  addMessage(message: NewMessage | StagedMessage): Promise<MessageSummary> {
    if (!('staged' in message)) return this.#inserts.submit(toInsertRow(message));
    const stagedBytes = this.#staging.bytes(message.staged);
    return this.#inserts.submit({ ...toInsertRow(message, stagedBytes), staged: message.staged });
  }

  /**
   * Writes the next bytes of a message still in DATA (staging.ts); `key` null starts one.
   * Returns the key to continue it with and to pass to addMessage as `staged`.
   */
  stageRaw(key: number | null, chunks: readonly Buffer[]): Promise<number> {
    return this.#staging.stage(key, chunks);
  }

  /** Removes what was staged for a message that will not be stored (the client went away). */
  discardStaged(key: number): Promise<void> {
    return this.#staging.discard(key);
  }

  /** A staged message's bytes for the parser: its pieces read back one at a time, then `tail`. */
  stagedSource(key: number, tail: readonly Buffer[]): AsyncIterable<Buffer> {
    const staging = this.#staging;
    return {
      async *[Symbol.asyncIterator]() {
        yield* staging.read(key);
        yield* tail;
      },
    };
  }

  /**
   * One transaction for a batch of new messages and their relay decisions (so that a 250
   * means both are kept, or neither); events go out after it commits. Only the instance that
   * captured a message decides it: the others hear of it, already decided. insert.ts sends
   * BEGIN and COMMIT itself, to put them in the round trips of its own statements.
   */
  async #commitMessages(rows: readonly InsertRow[]): Promise<MessageSummary[]> {
    const options = this.#options;
    let events: StoreEvent[] = [];
    await retrying(() =>
      this.#reserved((conn) =>
        insertMessages(conn, rows, {
          schema: this.#schema,
          maxMessages: options.maxMessages,
          maxBytes: options.maxDatabaseBytes ?? 0,
          staging: this.#staging,
          channel: this.#channel,
          notices: (inserted) => {
            events = eventsOf(inserted);
            return encodeNotices(this.#origin, events);
          },
        }),
      ),
    ).catch((error: unknown) => {
      if (error instanceof StorageFullError) this.#full = true;
      throw error;
    });
    this.#full = false;
    // Committed: a failure to read what comes before it is caught up by the next announcement.
    await this.#announcer.announce(events).catch(() => {});
    for (const row of rows) if (row.staged !== undefined) this.#staging.close(row.staged);
    this.#indexer.stored(rows.reduce((sum, row) => sum + row.searchChars, 0));
    return events.flatMap((event) => (event.type === 'stored' ? [event.message] : []));
  }

  /** A connection of the pool for `work` alone; rolled back if `work` failed midway. */
  async #reserved<T>(work: (conn: ReservedSql) => Promise<T>): Promise<T> {
    const conn = await this.#sql.reserve();
    try {
      return await work(conn);
    } catch (error) {
      // After a failed COMMIT there is no transaction left: PostgreSQL only warns.
      await conn`ROLLBACK`.catch(() => {});
      throw error;
    } finally {
      conn.release();
    }
  }

  /**
   * After a bulk load: the trigram index's pending entries merged and the planner's
   * statistics fresh, as autovacuum would leave a quiet database.
   */
  async indexPendingSearch(): Promise<void> {
    await this.#inserts.flush();
    await this.#indexer.indexAll();
    await this.#sql`ANALYZE messages, message_search, message_bodies`;
  }

  listMessages(options: ListOptions): Promise<ListResult> {
    return retrying(() => listMessagePage(this.#sql, options));
  }

  listMessagesAfter(after: MessageId, limit: number): Promise<readonly MessageSummary[]> {
    return retrying(() => messagesAfter(this.#sql, after, limit));
  }

  getIdentity(): Promise<StoreIdentity> {
    return retrying(() => identity(this.#sql));
  }

  getSearchText(ids: readonly MessageId[]): Promise<readonly SearchText[]> {
    return retrying(() => searchTextOf(this.#sql, ids));
  }

  getMessage(id: MessageId): Promise<MessageDetail> {
    return retrying(() => messageDetail(this.#sql, id));
  }

  getRaw(id: MessageId): Promise<Buffer> {
    return retrying(() => rawBytes(this.#sql, id));
  }

  async setRead(selection: Selection, read: boolean): Promise<number> {
    const ids = await this.#transaction(async (tx, announce) => {
      const rows = await run<{ id: number }>(
        tx,
        join([
          fragment('UPDATE messages SET is_read = ? WHERE id IN (', read),
          selected(selection, [fragment(read ? 'NOT m.is_read' : 'm.is_read')]),
          fragment(') RETURNING id'),
        ]),
      );
      const ids = rows.map((r) => r.id).sort((a, b) => a - b);
      if (ids.length > 0) announce({ type: 'read', ids: 'all' in selection ? 'all' : ids, read });
      return ids;
    });
    return ids.length;
  }

  async deleteMessages(selection: Selection): Promise<number> {
    const ids = await this.#transaction(async (tx, announce) => {
      const rows = await run<{ id: number }>(
        tx,
        join([
          fragment('DELETE FROM messages WHERE id IN ('),
          selected(selection),
          fragment(') RETURNING id'),
        ]),
      );
      const ids = rows.map((r) => r.id).sort((a, b) => a - b);
      if (ids.length > 0) announce({ type: 'deleted', ids: 'all' in selection ? 'all' : ids });
      return ids;
    });
    if (ids.length > 0) this.#full = false;
    return ids.length;
  }

  listTags(): Promise<readonly string[]> {
    return retrying(async () => [...(await tagCounts(this.#sql)).keys()]);
  }

  countTags(): Promise<ReadonlyMap<string, number>> {
    return retrying(() => tagCounts(this.#sql));
  }

  async setTags(ids: readonly MessageId[], tags: readonly string[]): Promise<number> {
    return (await this.#transaction((tx) => retag(tx, ids, () => tags))).length;
  }

  async renameTag(from: string, to: string): Promise<number> {
    const lower = from.toLowerCase();
    const changed = await this.#transaction(async (tx) =>
      retag(tx, await taggedWith(tx, from), (tags) =>
        tags.map((t) => (t.toLowerCase() === lower ? to : t)),
      ),
    );
    return changed.length;
  }

  async deleteTag(tag: string): Promise<number> {
    const lower = tag.toLowerCase();
    const changed = await this.#transaction(async (tx) =>
      retag(tx, await taggedWith(tx, tag), (tags) => tags.filter((t) => t.toLowerCase() !== lower)),
    );
    return changed.length;
  }

  async prune(): Promise<number> {
    const { maxMessages, maxAgeMs } = this.#options;
    const deleted: MessageId[] = [];
    if (maxMessages > 0)
      deleted.push(...(await this.#deleting((tx) => pruneToLimit(tx, maxMessages))));
    if (maxAgeMs > 0) {
      const cutoff = Date.now() - maxAgeMs;
      for (;;) {
        const batch = await this.#deleting((tx) =>
          tx<{ id: number }[]>`
              DELETE FROM messages WHERE id IN (
                SELECT id FROM messages WHERE received_at < ${cutoff} ORDER BY id
                LIMIT ${AGE_PRUNE_BATCH} FOR UPDATE SKIP LOCKED)
              RETURNING id`.then((rows) => rows.map((r) => r.id).sort((a, b) => a - b)),
        );
        deleted.push(...batch);
        if (batch.length < AGE_PRUNE_BATCH) break;
      }
    }
    return deleted.length;
  }

  /** A delete of some ids, announced as such. */
  async #deleting(work: (tx: TransactionSql) => Promise<MessageId[]>): Promise<MessageId[]> {
    const ids = await this.#transaction(async (tx, announce) => {
      const ids = await work(tx);
      if (ids.length > 0) announce({ type: 'deleted', ids });
      return ids;
    });
    if (ids.length > 0) this.#full = false;
    return ids;
  }

  async stats(): Promise<StoreStats> {
    const [counts] = await retrying(
      () => this.#sql<{ total: number; unread: number; stored_bytes: number }[]>`
        SELECT total, unread, stored_bytes FROM message_counts`,
    );
    return { total: counts!.total, unread: counts!.unread, databaseBytes: counts!.stored_bytes };
  }

  /**
   * Not ready when the size budget is used up, when the last message did not fit, or when a
   * real write does not commit within a moment (the database is down, read-only, or a lock
   * holds it): a probe must answer within its own timeout.
   */
  async readiness(): Promise<Readiness> {
    const limit = this.#options.maxDatabaseBytes ?? 0;
    try {
      const probe = this.#sql.begin(async (tx) => {
        await tx`SELECT set_config('lock_timeout', ${`${PROBE_TIMEOUT_MS}ms`}, true)`;
        await tx`UPDATE readiness_probe SET written_at = ${Date.now()}`;
        const [counts] = await tx<
          { stored_bytes: number }[]
        >`SELECT stored_bytes FROM message_counts`;
        return counts!.stored_bytes;
      });
      const held = await withTimeout(probe, PROBE_TIMEOUT_MS * 4);
      if (limit && held >= limit - FULL_HEADROOM_BYTES) {
        return {
          ready: false,
          reason: `the database reached --max-db-size (${limit} bytes): delete messages or raise the limit`,
        };
      }
    } catch (error) {
      return {
        ready: false,
        reason: `the database cannot be written: ${(error as Error).message}`,
      };
    }
    if (this.#full) {
      return {
        ready: false,
        reason: limit
          ? `the last message did not fit in --max-db-size (${limit} bytes) or on the disk: delete messages or raise the limit`
          : 'the last message did not fit on the disk: delete messages or free space',
      };
    }
    return { ready: true };
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pruneTimer);
    this.#staging.stop();
    await this.#inserts.flush();
    await this.#indexer.close();
    await this.#announcer.close();
    this.#listeners.clear();
    await this.#sql.end({ timeout: 5 });
  }

  addOutboxEntries(entries: readonly NewOutboxEntry[]): Promise<readonly OutboxEntry[]> {
    return this.#outboxChange((tx) => outbox.insertEntries(tx, entries, Date.now()));
  }
  claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<readonly OutboxEntry[]> {
    return this.#outboxChange((tx) =>
      outbox.claimDue(tx, { now: now.getTime(), limit, leaseMs, holder: this.#origin }),
    );
  }
  recordOutboxAttempts(results: readonly AttemptResult[]): Promise<readonly OutboxEntry[]> {
    return this.#outboxChange((tx) =>
      outbox.recordAttempts(tx, results, { now: Date.now(), holder: this.#origin }),
    );
  }
  /** Not announced: only the lease's end changes, which no view shows. */
  renewOutboxLeases(ids: readonly OutboxId[], now: Date, leaseMs: number): Promise<OutboxId[]> {
    const terms = { holder: this.#origin, until: now.getTime() + leaseMs };
    return retrying(() => outbox.renewSending(this.#sql, ids, terms));
  }
  changeOutboxState(change: OutboxChange): Promise<readonly OutboxEntry[]> {
    return this.#outboxChange((tx) => outbox.changeState(tx, change, Date.now()));
  }
  async requeueExpiredLeases(now: Date): Promise<number> {
    return (await this.#outboxChange((tx) => outbox.requeueExpired(tx, now.getTime()))).length;
  }
  listOutbox(options: OutboxListOptions): Promise<OutboxPage> {
    return retrying(() => outbox.listEntries(this.#sql, options));
  }
  getOutboxEntry(id: OutboxId): Promise<OutboxEntry> {
    return retrying(() => outbox.getEntry(this.#sql, id));
  }
  getOutboxHistory(messageId: MessageId): Promise<OutboxHistory> {
    return retrying(() => outbox.historyOf(this.#sql, messageId));
  }
  nextOutboxDue(): Promise<Date | null> {
    return retrying(() => outbox.nextDue(this.#sql));
  }
  async countOutboxByState(): Promise<Readonly<Record<OutboxState, number>>> {
    return retrying(() => outbox.countByState(this.#sql));
  }

  // Webhooks (webhooks.ts): the cursors are shared by every instance on the database.
  async openWebhookCursor(webhook: string): Promise<WebhookCursor> {
    // A read when it exists (GET /api/webhooks asks for it): only a new webhook writes.
    const row = await retrying(() => webhooks.cursorOf(this.#sql, webhook));
    if (row) return toCursor(row);
    return retrying(() => this.#sql.begin((tx) => webhooks.openCursor(tx, webhook)));
  }
  recordWebhookAttempt(attempt: NewWebhookAttempt): Promise<WebhookCursor> {
    return retrying(() =>
      this.#sql.begin((tx) =>
        webhooks.recordAttempt(tx, attempt, { now: Date.now(), holder: this.#origin }),
      ),
    ) as Promise<WebhookCursor>;
  }
  claimWebhookCursor(webhook: string, leaseMs: number): Promise<WebhookClaim> {
    const now = Date.now();
    const terms = { holder: this.#origin, now, until: now + leaseMs };
    return retrying(() =>
      this.#sql.begin((tx) => webhooks.claimCursor(tx, webhook, terms)),
    ) as Promise<WebhookClaim>;
  }
  renewWebhookLease(webhook: string, leaseMs: number): Promise<boolean> {
    const terms = { holder: this.#origin, until: Date.now() + leaseMs };
    return retrying(() => webhooks.renewLease(this.#sql, webhook, terms));
  }
  releaseWebhookCursor(webhook: string): Promise<void> {
    return retrying(() => webhooks.releaseCursor(this.#sql, webhook, this.#origin));
  }
  advanceWebhookCursor(webhook: string, through: MessageId): Promise<void> {
    return retrying(() => webhooks.advance(this.#sql, webhook, through));
  }
  listWebhookAttempts(
    webhook: string,
    options: { readonly limit: number; readonly before?: number },
  ): Promise<WebhookAttemptPage> {
    return retrying(() => webhooks.listAttempts(this.#sql, webhook, options.limit, options.before));
  }

  /** An outbox change, announced to every instance as one `outbox` event. */
  #outboxChange(work: (tx: TransactionSql) => Promise<OutboxEntry[]>): Promise<OutboxEntry[]> {
    return this.#transaction(async (tx, announce) => {
      const entries = await work(tx);
      if (entries.length > 0) announce({ type: 'outbox', entries });
      return entries;
    });
  }

  /**
   * One transaction. What `work` announces is sent to the other instances with NOTIFY inside
   * it (delivered only on commit) and emitted here once it has committed. A deadlock between
   * instances runs it again.
   */
  async #transaction<T>(work: (tx: TransactionSql, announce: Announce) => Promise<T>): Promise<T> {
    const events: StoreEvent[] = [];
    const result = await retrying(() =>
      this.#sql.begin(async (tx) => {
        events.length = 0;
        const value = await work(tx, (event) => events.push(event));
        const payloads = encodeNotices(this.#origin, events);
        if (payloads.length > 0) {
          await tx`SELECT pg_notify(${this.#channel}, p) FROM unnest(${payloads}::text[]) AS p`;
        }
        return value;
      }),
    );
    // Committed: a failure to read what comes before it is caught up by the next announcement.
    await this.#announcer.announce(events).catch(() => {});
    return result as T;
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** What an insert announces: messages pruned to make room, the new ones, their relay entries. */
function eventsOf(inserted: Inserted): StoreEvent[] {
  const events: StoreEvent[] = [];
  if (inserted.pruned.length > 0) events.push({ type: 'deleted', ids: inserted.pruned });
  for (const row of inserted.rows) events.push({ type: 'stored', message: toSummary(row) });
  if (inserted.outbox.length > 0) events.push({ type: 'outbox', entries: inserted.outbox });
  return events;
}
