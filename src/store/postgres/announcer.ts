import { toSummary } from '../rows.js';
import type { MessageId, MessageSummary, StoreEvent } from '../types.js';
import type { Sql } from './connection.js';
import { summariesAfter } from './message-queries.js';
import { decodeNotice, type Notice } from './notices.js';
import { outboxEntries } from './outbox.js';

export interface AnnouncerOptions {
  readonly sql: Sql;
  readonly channel: string;
  /** This store's own id: its notices come back to it and are skipped. */
  readonly origin: string;
  readonly emit: (event: StoreEvent) => void;
}

/** Messages read per query when filling a gap. */
const FILL_BATCH = 500;

/**
 * Emits this store's events, its own and (heard through LISTEN) the other instances', one
 * at a time and in commit order, so that the web side's streams and waiters work the same
 * whichever instance took the mail.
 *
 * `stored` events go out in id order with no id left out, as with SQLite: a stream that
 * has sent message N drops anything at or below N, and resumes after it. Ids are taken in
 * commit order (insert.ts), so when this store commits ids from N, or hears of them, every
 * lower id is committed or never will be: the ones not yet announced are read and
 * announced first. That also catches up after a lost connection, when notices are gone.
 */
export class Announcer {
  readonly #options: AnnouncerOptions;
  #queue: Promise<void> = Promise.resolve();
  /** Every message up to here has been announced (or was deleted before it could be). */
  #through: MessageId = 0;
  #listens = 0;
  #closed = false;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(options: AnnouncerOptions) {
    this.#options = options;
  }

  /** Starts hearing the others, announcing only messages stored after `newest`. */
  async start(newest: MessageId): Promise<void> {
    this.#through = newest;
    const { sql, channel } = this.#options;
    const listening = await sql.listen(
      channel,
      (payload) => this.#receive(payload),
      () => this.#listened(),
    );
    this.#unlisten = () => listening.unlisten();
  }

  /** Announces what this store just committed; resolves once it is emitted. */
  announce(events: readonly StoreEvent[]): Promise<void> {
    return this.#enqueue(() => this.#emitAll(events));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#unlisten?.().catch(() => {});
    await this.#queue;
  }

  /** After a reconnect, messages stored meanwhile are found by id (their notices are gone). */
  #listened(): void {
    if (this.#listens++ > 0) void this.#enqueue(() => this.#storedThrough(Infinity));
  }

  #receive(payload: string): void {
    const notice = decodeNotice(payload);
    if (!notice || notice.o === this.#options.origin) return;
    void this.#enqueue(() => this.#handle(notice));
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const done = this.#queue.then(() => (this.#closed ? undefined : work()));
    // A read that fails (the database went away) loses nothing for good: the next stored
    // message, or the reconnect, announces from where this one stopped.
    this.#queue = done.catch(() => {});
    return done;
  }

  async #emitAll(events: readonly StoreEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type !== 'stored') this.#options.emit(event);
      else if (event.message.id > this.#through) {
        await this.#storedThrough(event.message.id - 1);
        this.#emitStored(event.message);
      }
    }
  }

  async #handle(notice: Notice): Promise<void> {
    const { sql, emit } = this.#options;
    switch (notice.e) {
      case 'stored':
        return this.#storedThrough(Math.max(...notice.ids));
      case 'read':
        return emit({ type: 'read', ids: notice.ids, read: notice.read });
      case 'deleted':
        return emit({ type: 'deleted', ids: notice.ids });
      case 'outbox': {
        const entries = await outboxEntries(sql, notice.ids);
        if (entries.length > 0) emit({ type: 'outbox', entries });
        return;
      }
    }
  }

  /** Announces every stored message above #through up to `last`, read from the database. */
  async #storedThrough(last: MessageId): Promise<void> {
    while (this.#through < last) {
      const rows = await summariesAfter(this.#options.sql, this.#through, last, FILL_BATCH);
      for (const row of rows) this.#emitStored(toSummary(row));
      if (rows.length < FILL_BATCH) {
        if (last !== Infinity) this.#through = last;
        return;
      }
    }
  }

  #emitStored(message: MessageSummary): void {
    this.#through = Math.max(this.#through, message.id);
    this.#options.emit({ type: 'stored', message });
  }
}
