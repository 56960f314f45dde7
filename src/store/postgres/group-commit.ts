/** The most writes one transaction takes. */
const MAX_BATCH = 200;

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for an asynchronous database: a write submitted while the previous
 * transaction is running waits for it and goes in the next one, with every other write that
 * arrived meanwhile. A lone writer commits at once; a busy SMTP side gets fewer, larger
 * transactions. (src/store/write-batch.ts is SQLite's synchronous counterpart.)
 */
export class GroupCommit<I, O> {
  readonly #commit: (items: readonly I[]) => Promise<O[]>;
  #pending: Pending<I, O>[] = [];
  #running: Promise<void> | null = null;

  /** `commit` runs one transaction for all items and returns one result per item, in order. */
  constructor(commit: (items: readonly I[]) => Promise<O[]>) {
    this.#commit = commit;
  }

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) await this.#commitBatch(this.#pending.splice(0, MAX_BATCH));
    } finally {
      this.#running = null;
    }
  }

  async #commitBatch(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.#commit(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // The transaction rolled back whole; each write now gets its own answer, so that one
      // bad message (or the size budget reached midway) does not fail the others.
      for (const entry of batch) {
        try {
          entry.resolve((await this.#commit([entry.item]))[0]!);
        } catch (itemError) {
          entry.reject(itemError);
        }
      }
    }
  }
}
