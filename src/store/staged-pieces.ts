import type Database from 'better-sqlite3';
import { StorageUnavailableError } from './errors.js';
import { piecesOf } from './raw-pieces.js';

export interface StagedPiecesOptions {
  readonly db: Database.Database;
  /** Runs `work` in one write transaction (the store's, so errors are translated alike). */
  readonly write: <T>(work: () => T) => T;
}

/**
 * The raw bytes of messages still in DATA, written piece by piece as they arrive so that a
 * large message is never held whole in memory (issue 12). Each message stages under a
 * negative key of its own (message ids are positive); the message's body row takes the key
 * when it is committed (migration 008). Keys live only as long as this store: after a
 * restart, what was staged and never committed is removed.
 */
export class StagedPieces {
  readonly #write: StagedPiecesOptions['write'];
  readonly #statements;
  /** Staging key → the next piece's number and the bytes so far, for messages in DATA. */
  readonly #open = new Map<number, { seq: number; bytes: number }>();
  #nextKey: number;

  constructor(options: StagedPiecesOptions) {
    const { db } = options;
    this.#write = options.write;
    this.#statements = {
      insert: db.prepare('INSERT INTO message_raw_pieces (id, seq, data) VALUES (?, ?, ?)'),
      piece: db.prepare<[number, number], { data: Buffer }>(
        'SELECT data FROM message_raw_pieces WHERE id = ? AND seq = ?',
      ),
      discard: db.prepare('DELETE FROM message_raw_pieces WHERE id = ?'),
    };
    // Orphans: staged by a run that ended before their message was committed.
    options.write(() =>
      db
        .prepare(
          `DELETE FROM message_raw_pieces WHERE id < 0
           AND id NOT IN (SELECT pieces_key FROM message_bodies WHERE pieces_key IS NOT NULL)`,
        )
        .run(),
    );
    const lowest = db.prepare<[], { id: number | null }>(
      'SELECT min(id) AS id FROM message_raw_pieces',
    );
    this.#nextKey = Math.min(0, lowest.get()?.id ?? 0) - 1;
  }

  /** Writes `chunks` as the next pieces of a message; `key` null starts a new one. */
  stage(key: number | null, chunks: readonly Buffer[]): number {
    const staging = key ?? this.#nextKey--;
    const open = key === null ? { seq: 0, bytes: 0 } : this.#opened(key);
    let { seq, bytes } = open;
    this.#write(() => {
      for (const piece of piecesOf(chunks)) {
        this.#statements.insert.run(staging, seq++, piece);
        bytes += piece.length;
      }
    });
    this.#open.set(staging, { seq, bytes });
    return staging;
  }

  /** Bytes staged so far under `key`. */
  bytes(key: number): number {
    return this.#opened(key).bytes;
  }

  /** Inside the commit's transaction: the tail of the message joins its staged pieces. */
  finish(key: number, tail: readonly Buffer[]): number {
    let { seq } = this.#opened(key);
    for (const piece of piecesOf(tail)) this.#statements.insert.run(key, seq++, piece);
    return seq;
  }

  /** The message is committed (or discarded): its key is no longer open. */
  close(key: number): void {
    this.#open.delete(key);
  }

  discard(key: number): void {
    this.#open.delete(key);
    this.#write(() => this.#statements.discard.run(key));
  }

  /** The staged pieces, read one at a time as the parser asks for them. */
  *read(key: number): Generator<Buffer> {
    const count = this.#opened(key).seq;
    for (let seq = 0; seq < count; seq++) {
      const piece = this.#statements.piece.get(key, seq);
      if (!piece) throw new StorageUnavailableError(`staged piece ${seq} of ${key} is missing`);
      yield piece.data;
    }
  }

  #opened(key: number): { seq: number; bytes: number } {
    const open = this.#open.get(key);
    // The store restarted since the message began, and removed what it had staged.
    if (open === undefined) throw new StorageUnavailableError(`no message is staged as ${key}`);
    return open;
  }
}
