import { StorageUnavailableError } from '../errors.js';
import { piecesOf } from '../raw-pieces.js';
import type { MessageId } from '../types.js';
import type { Queryable, Sql } from './connection.js';
import { renewLeases, STAGING_LEASES } from './leases.js';

/**
 * How long a message still in DATA stays staged once its instance stops renewing it (it
 * died): after that any instance sharing the database removes its pieces. Renewed every
 * third of it, so an instance under load still keeps its own.
 */
export const STAGING_LEASE_MS = 120_000;

export interface StagingOptions {
  readonly sql: Sql;
  /** This instance (the store's origin): the holder of the staging leases. */
  readonly holder: string;
  readonly onError: (what: string, error: unknown) => void;
}

/**
 * The raw bytes of messages still in DATA, written piece by piece as they arrive so that a
 * large message is never held whole in memory (as SQLite's StagedPieces; migration 007).
 * Pieces go into message_raw_pieces under a negative key of their own, leased to this
 * instance in staged_messages; the commit moves them to the message's id without copying
 * the bytes. Leftovers of an instance that died are removed once their lease runs out, never
 * before: other instances on the database may be staging at the same moment.
 */
export class PgStaging {
  readonly #sql: Sql;
  readonly #holder: string;
  /** Staging key → the next piece's number and the bytes so far, for messages in DATA. */
  readonly #open = new Map<number, { seq: number; bytes: number }>();
  readonly #heartbeat: NodeJS.Timeout;
  #beating = false;

  constructor(options: StagingOptions) {
    this.#sql = options.sql;
    this.#holder = options.holder;
    this.#heartbeat = setInterval(() => {
      if (this.#beating) return;
      this.#beating = true;
      this.#beat()
        .catch((error: unknown) => options.onError('renewing staged messages', error))
        .finally(() => (this.#beating = false));
    }, STAGING_LEASE_MS / 3);
    this.#heartbeat.unref();
  }

  /** Removes what instances that died left staged (leases run out); at open and on each beat. */
  async removeAbandoned(now = Date.now()): Promise<number> {
    return this.#sql.begin(async (tx) => {
      const gone = await tx<{ key: number }[]>`
        DELETE FROM staged_messages WHERE lease_until < ${now} RETURNING key`;
      const keys = gone.map((row) => row.key);
      if (keys.length > 0) await tx`DELETE FROM message_raw_pieces WHERE id = ANY(${keys})`;
      return keys.length;
    }) as Promise<number>;
  }

  /** Writes `chunks` as the next pieces of a message; `key` null starts a new one. */
  async stage(key: number | null, chunks: readonly Buffer[]): Promise<number> {
    const open = key === null ? { seq: 0, bytes: 0 } : this.#opened(key);
    let { seq, bytes } = open;
    const staging = await this.#sql.begin(async (tx) => {
      const staging = key ?? (await this.#lease(tx));
      for (const piece of piecesOf(chunks)) {
        await tx`INSERT INTO message_raw_pieces (id, seq, data) VALUES (${staging}, ${seq++}, ${piece})`;
        bytes += piece.length;
      }
      return staging;
    });
    this.#open.set(staging as number, { seq, bytes });
    return staging as number;
  }

  /** Bytes staged so far under `key`. */
  bytes(key: number): number {
    return this.#opened(key).bytes;
  }

  /**
   * Inside the commit's transaction: the staged pieces become message `id`'s (an UPDATE of
   * the key: PostgreSQL keeps the stored bytes where they are) and `tail` follows them.
   * Returns the message's number of pieces.
   */
  async takeOver(
    tx: Queryable,
    key: number,
    id: MessageId,
    tail: readonly Buffer[],
  ): Promise<number> {
    let { seq } = this.#opened(key);
    const [lease] = await tx<{ key: number }[]>`
      DELETE FROM staged_messages WHERE key = ${key} AND leased_by = ${this.#holder} RETURNING key`;
    // Its lease ran out and another instance removed the pieces: the message is incomplete.
    if (!lease) throw new StorageUnavailableError(`the staged message ${key} was removed`);
    await tx`UPDATE message_raw_pieces SET id = ${id} WHERE id = ${key}`;
    for (const piece of piecesOf(tail)) {
      await tx`INSERT INTO message_raw_pieces (id, seq, data) VALUES (${id}, ${seq++}, ${piece})`;
    }
    return seq;
  }

  /** The message is committed (or discarded): its key is no longer open. */
  close(key: number): void {
    this.#open.delete(key);
  }

  async discard(key: number): Promise<void> {
    this.#open.delete(key);
    await this.#sql.begin(async (tx) => {
      await tx`DELETE FROM staged_messages WHERE key = ${key} AND leased_by = ${this.#holder}`;
      await tx`DELETE FROM message_raw_pieces WHERE id = ${key}`;
    });
  }

  /** The staged pieces, read one at a time as the parser asks for them. */
  async *read(key: number): AsyncGenerator<Buffer> {
    const count = this.#opened(key).seq;
    for (let seq = 0; seq < count; seq++) {
      const [piece] = await this.#sql<{ data: Buffer }[]>`
        SELECT data FROM message_raw_pieces WHERE id = ${key} AND seq = ${seq}`;
      if (!piece) throw new StorageUnavailableError(`staged piece ${seq} of ${key} is missing`);
      yield piece.data;
    }
  }

  stop(): void {
    clearInterval(this.#heartbeat);
  }

  /** A new key (negative: message ids are positive), leased to this instance. */
  async #lease(q: Queryable): Promise<number> {
    const [row] = await q<{ key: number }[]>`
      INSERT INTO staged_messages (key, leased_by, lease_until)
      VALUES (-nextval('staging_keys'), ${this.#holder}, ${Date.now() + STAGING_LEASE_MS})
      RETURNING key`;
    return row!.key;
  }

  async #beat(): Promise<void> {
    const keys = [...this.#open.keys()];
    const terms = { holder: this.#holder, until: Date.now() + STAGING_LEASE_MS };
    await renewLeases(this.#sql, STAGING_LEASES, keys, terms);
    await this.removeAbandoned();
  }

  #opened(key: number): { seq: number; bytes: number } {
    const open = this.#open.get(key);
    // The store restarted since the message began, and its pieces are left to run out.
    if (open === undefined) throw new StorageUnavailableError(`no message is staged as ${key}`);
    return open;
  }
}
