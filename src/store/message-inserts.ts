import type Database from 'better-sqlite3';
import type { RawSource } from '../mail/types.js';
import { decisionsOf, toInsertRow, type InsertRow } from './insert-row.js';
import { piecesOf, PIECE_BYTES } from './raw-pieces.js';
import type { OutboxRow, OutboxTables } from './outbox.js';
import type { SearchIndexer } from './search-indexer.js';
import { StagedPieces } from './staged-pieces.js';
import type { TagTables } from './tags.js';
import type { MessageId, MessageSummary, NewMessage, StoreEvent } from './types.js';
import { WriteBatch } from './write-batch.js';

/** A message whose first bytes were staged while DATA was arriving (StagedPieces). */
export interface StagedMessage extends NewMessage {
  /** The staging key; `raw` holds only the rest of the message. */
  readonly staged: number;
}

export interface MessageInsertsOptions {
  readonly db: Database.Database;
  /** Runs `work` in one write transaction (the store's, so errors are translated alike). */
  readonly write: <T>(work: () => T) => T;
  /** Inside the insert's transaction: applies --max-messages, returns the ids it deleted. */
  readonly pruneToLimit: () => number[];
  readonly indexer: SearchIndexer;
  readonly tags: TagTables;
  /** Where the relay's decisions go, in the transaction that stores their message. */
  readonly outbox: OutboxTables;
  readonly emit: (event: StoreEvent) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * New messages into the database: group commit (WriteBatch), the raw bytes in the body row
 * or in pieces, the search text for the indexer, and the events once committed.
 */
export class MessageInserts {
  readonly #options: MessageInsertsOptions;
  readonly #statements;
  readonly #batch: WriteBatch<InsertRow, MessageSummary>;
  readonly #staged: StagedPieces;
  /** Ids deleted by the retention limit in commits whose events have not gone out yet. */
  #pruned: number[] = [];
  /** Search text committed since the indexer last heard of it. */
  #searchChars = 0;
  /** Outbox entries committed with their messages, announced after the messages' events. */
  #outboxRows: OutboxRow[] = [];

  constructor(options: MessageInsertsOptions) {
    this.#options = options;
    const { db } = options;
    this.#statements = {
      message: db.prepare(`
        INSERT INTO messages (received_at, mail_from, rcpt_to, from_addr, to_addrs, cc_addrs, bcc_addrs,
          subject, snippet, size, attachment_count, message_id, date, parse_error, tags)
        VALUES (@receivedAt, @mailFrom, @rcptTo, @from, @to, @cc, @bcc,
          @subject, @snippet, @size, @attachmentCount, @messageId, @date, @parseError, @tags)`),
      body: db.prepare(
        'INSERT INTO message_bodies (id, raw, detail, raw_pieces, pieces_key) VALUES (?, ?, ?, ?, ?)',
      ),
      piece: db.prepare('INSERT INTO message_raw_pieces (id, seq, data) VALUES (?, ?, ?)'),
      search: db.prepare(
        'INSERT INTO search_pending (id, subject, sender, recipients, cc, body, filenames, chars) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
    this.#staged = new StagedPieces({ db, write: options.write });
    this.#batch = new WriteBatch({
      commit: (rows) => this.#commit(rows),
      committed: (summaries) => this.#committed(summaries),
      onError: options.onError,
    });
  }

  add(message: NewMessage | StagedMessage): Promise<MessageSummary> {
    if (!('staged' in message)) return this.#batch.submit(toInsertRow(message));
    const stagedBytes = this.#staged.bytes(message.staged);
    return this.#batch.submit({ ...toInsertRow(message, stagedBytes), staged: message.staged });
  }

  stage(key: number | null, chunks: readonly Buffer[]): number {
    return this.#staged.stage(key, chunks);
  }

  discard(key: number): void {
    this.#staged.discard(key);
  }

  /** A staged message's bytes for the parser: its pieces read back one at a time, then `tail`. */
  source(key: number, tail: readonly Buffer[]): RawSource {
    const staged = this.#staged;
    return {
      *[Symbol.iterator]() {
        yield* staged.read(key);
        yield* tail;
      },
    };
  }

  /** Commits what was submitted and not yet committed (on close). */
  flush(): void {
    this.#batch.flush();
  }

  /**
   * One transaction for a batch of new messages and their relay decisions (so that a 250
   * means both are kept, or neither); its events go out after it (WriteBatch).
   */
  #commit(rows: readonly InsertRow[]): MessageSummary[] {
    const { ids, pruned, outbox } = this.#options.write(() => {
      const ids = rows.map((row) => {
        const id = Number(this.#statements.message.run(row.message).lastInsertRowid);
        this.#insertRaw(id, row);
        this.#statements.search.run(id, ...row.search, row.searchChars);
        this.#options.tags.added(id, row.tags);
        return id;
      });
      const pruned = this.#options.pruneToLimit();
      return { ids, pruned, outbox: this.#options.outbox.insert(decisionsOf(rows, ids, pruned)) };
    });
    // Committed: nothing below may throw, or WriteBatch would write these rows again
    // (issue 10). The indexer and the events wait for #committed, outside its retry.
    for (const row of rows) if (row.staged !== undefined) this.#staged.close(row.staged);
    this.#pruned.push(...pruned);
    this.#outboxRows.push(...outbox);
    this.#searchChars += rows.reduce((sum, row) => sum + row.searchChars, 0);
    return rows.map((row, i) => ({ id: ids[i]!, ...row.summary }));
  }

  #committed(summaries: readonly MessageSummary[]): void {
    const chars = this.#searchChars;
    this.#searchChars = 0;
    this.#options.indexer.stored(chars);
    const pruned = this.#pruned.splice(0);
    if (pruned.length > 0) this.#options.emit({ type: 'deleted', ids: pruned });
    for (const message of summaries) this.#options.emit({ type: 'stored', message });
    this.#options.outbox.announce(this.#outboxRows.splice(0));
  }

  /** Raw bytes up to a piece's size go in the body row; larger ones in pieces of their own. */
  #insertRaw(id: MessageId, row: InsertRow): void {
    if (row.staged !== undefined) {
      const pieces = this.#staged.finish(row.staged, row.raw);
      this.#statements.body.run(id, Buffer.alloc(0), row.detail, pieces, row.staged);
      return;
    }
    if (row.size <= PIECE_BYTES) {
      const raw = row.raw.length === 1 ? row.raw[0]! : Buffer.concat(row.raw, row.size);
      this.#statements.body.run(id, raw, row.detail, 0, null);
      return;
    }
    let seq = 0;
    for (const piece of piecesOf(row.raw)) this.#statements.piece.run(id, seq++, piece);
    this.#statements.body.run(id, Buffer.alloc(0), row.detail, seq, null);
  }
}
