import type { NewMessage } from '../../src/store/types.js';

import type { EngineStore } from '../../src/store/open-store.js';
import { openSeedStore } from './seed-store.js';

/** addMessage calls kept in flight; the store's group commit puts up to 200 in a transaction. */
const IN_FLIGHT = 1000;

/**
 * The benchmark's fast path for a million messages: the real store, fed many messages at
 * once instead of one at a time, so its group commit (src/store/write-batch.ts) batches the
 * transactions. What is stored is what SMTP ingest stores, written by the same code.
 */
export class BatchWriter {
  readonly #store: EngineStore;
  readonly #inFlight: Promise<unknown>[] = [];

  private constructor(store: EngineStore) {
    this.#store = store;
  }

  /** `db`: a SQLite file or a PostgreSQL URL, as --db takes it. */
  static async open(db: string): Promise<BatchWriter> {
    return new BatchWriter(await openSeedStore(db));
  }

  async add(message: NewMessage): Promise<void> {
    this.#inFlight.push(this.#store.addMessage(message));
    if (this.#inFlight.length >= IN_FLIGHT) await Promise.all(this.#inFlight.splice(0));
  }

  async close(): Promise<void> {
    await Promise.all(this.#inFlight.splice(0));
    await this.#store.indexPendingSearch();
    await this.#store.close();
  }
}
