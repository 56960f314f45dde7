import Database from 'better-sqlite3';
import { MessageNotFoundError } from './errors.js';
import { listMessagePage } from './list-queries.js';
import { SUMMARY_COLUMNS, toDetail, toSummary, type SummaryRow } from './rows.js';
import type {
  ListOptions,
  ListResult,
  MessageDetail,
  MessageId,
  MessageSummary,
  StoreStats,
} from './types.js';

/**
 * The queries that only read the mailbox. The store runs them on its own connection; a
 * reader thread runs them on a read-only connection to the same file, which WAL lets read
 * while the store writes (issue 12: the inbox does not wait behind ingest, and a slow search
 * does not hold up a 250). Each call reads one snapshot.
 */
export class SqliteReader {
  readonly #db: Database.Database;
  readonly #statements;

  /**
   * A reader of its own over the database file (never ':memory:', which no second
   * connection can see). The writer must have opened the file first: it creates and
   * migrates it, and keeps the WAL index this connection reads through.
   */
  static open(path: string): SqliteReader {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    // A checkpoint that restarts the WAL takes a lock readers may briefly wait for.
    db.pragma('busy_timeout = 5000');
    return new SqliteReader(db);
  }

  constructor(db: Database.Database) {
    this.#db = db;
    this.#statements = {
      summary: db.prepare<[number], SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.id = ?`,
      ),
      after: db.prepare<[number, number], SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.id > ? ORDER BY m.id LIMIT ?`,
      ),
      detail: db.prepare<[number], { detail: string }>(
        'SELECT detail FROM message_bodies WHERE id = ?',
      ),
      raw: db.prepare<[number], { raw: Buffer; pieces: number; key: number }>(
        'SELECT raw, raw_pieces AS pieces, coalesce(pieces_key, id) AS key FROM message_bodies WHERE id = ?',
      ),
      pieces: db.prepare<[number], { data: Buffer }>(
        'SELECT data FROM message_raw_pieces WHERE id = ? ORDER BY seq',
      ),
      counts: db.prepare<[], { total: number; unread: number }>(
        'SELECT total, unread FROM message_counts',
      ),
      pageCount: db.prepare<[], { bytes: number }>(
        'SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()',
      ),
    };
  }

  /** Searches count up to COUNT_CAP matches (list-queries.ts); `totalCapped` says when there are more. */
  listMessages(options: ListOptions): ListResult {
    return this.#snapshot(() => listMessagePage(this.#db, options));
  }

  listMessagesAfter(after: MessageId, limit: number): readonly MessageSummary[] {
    return this.#statements.after.all(after, limit).map(toSummary);
  }

  getMessage(id: MessageId): MessageDetail {
    return this.#snapshot(() => {
      const row = this.#statements.summary.get(id);
      const body = row && this.#statements.detail.get(id);
      if (!row || !body) throw new MessageNotFoundError(id);
      return toDetail(row, body.detail);
    });
  }

  getRaw(id: MessageId): Buffer {
    return this.#snapshot(() => {
      const body = this.#statements.raw.get(id);
      if (!body) throw new MessageNotFoundError(id);
      if (body.pieces === 0) return body.raw;
      return Buffer.concat(this.#statements.pieces.all(body.key).map((piece) => piece.data));
    });
  }

  stats(): StoreStats {
    return this.#snapshot(() => ({
      ...this.#statements.counts.get()!,
      databaseBytes: this.#statements.pageCount.get()!.bytes,
    }));
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** Several statements, one snapshot: a delete committed between them is not half seen. */
  #snapshot<T>(read: () => T): T {
    return this.#db.inTransaction ? read() : this.#db.transaction(read).deferred();
  }
}
