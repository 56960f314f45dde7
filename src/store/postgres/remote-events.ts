import { toSummary } from '../rows.js';
import type { MessageId, StoreEvent } from '../types.js';
import type { Sql } from './connection.js';
import { messagesAfter, summaries } from './message-queries.js';
import { decodeNotice, type Notice } from './notices.js';
import { outboxEntries } from './outbox.js';

export interface RemoteEventsOptions {
  readonly sql: Sql;
  readonly channel: string;
  /** This store's own id: its notices come back to it and are skipped. */
  readonly origin: string;
  readonly emit: (event: StoreEvent) => void;
  /** The newest message this store has announced or heard of (see catchUp). */
  readonly newest: { id: MessageId };
}

/** Messages read per query when catching up after a lost connection. */
const CATCH_UP_BATCH = 500;

/**
 * The other instances' changes, heard through LISTEN, emitted as this store's own events:
 * the web side's streams and waiters work the same whichever instance took the mail.
 * Notices are handled one at a time, in the order PostgreSQL delivered them (commit order).
 */
export class RemoteEvents {
  readonly #options: RemoteEventsOptions;
  #queue: Promise<void> = Promise.resolve();
  #listens = 0;
  #closed = false;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(options: RemoteEventsOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { sql, channel } = this.#options;
    const listening = await sql.listen(
      channel,
      (payload) => this.#receive(payload),
      () => this.#listened(),
    );
    this.#unlisten = () => listening.unlisten();
  }

  /** Resolves once every notice received so far has been emitted. */
  settled(): Promise<void> {
    return this.#queue;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#unlisten?.().catch(() => {});
    await this.#queue;
  }

  /**
   * LISTEN is (re)registered. After a lost connection, notices sent meanwhile are gone;
   * new messages are found by id instead (ids become visible in order, see insert.ts).
   */
  #listened(): void {
    if (this.#listens++ === 0) return;
    this.#enqueue(() => this.#catchUp());
  }

  #receive(payload: string): void {
    const notice = decodeNotice(payload);
    if (!notice || notice.o === this.#options.origin) return;
    this.#enqueue(() => this.#handle(notice));
  }

  #enqueue(work: () => Promise<void>): void {
    this.#queue = this.#queue.then(work).catch(() => {
      // The database went away mid-read: the next LISTEN catches up on messages.
    });
  }

  async #handle(notice: Notice): Promise<void> {
    if (this.#closed) return;
    const { sql, emit } = this.#options;
    switch (notice.e) {
      case 'stored':
        for (const row of await summaries(sql, notice.ids, 'ASC')) this.#stored(toSummary(row));
        return;
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

  async #catchUp(): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      const batch = await messagesAfter(this.#options.sql, this.#options.newest.id, CATCH_UP_BATCH);
      for (const message of batch) this.#stored(message);
      if (batch.length < CATCH_UP_BATCH) return;
    }
  }

  #stored(message: ReturnType<typeof toSummary>): void {
    const { newest, emit } = this.#options;
    // No skipping by id: a notice from another instance can arrive after this store's own
    // later message was announced.
    newest.id = Math.max(newest.id, message.id);
    emit({ type: 'stored', message });
  }
}
