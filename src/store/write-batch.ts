/**
 * Group commit: writes submitted in the same turn of the event loop share one
 * transaction. Under concurrent SMTP sessions this turns many small commits (and, worse,
 * one FTS5 index segment per message) into one; a lone writer waits one turn at most.
 */
export class WriteBatch<I, O> {
  readonly #commit: (items: readonly I[]) => O[];
  readonly #maxItems: number;
  #pending: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];

  /** `commit` runs one transaction for all items and returns one result per item, in order. */
  constructor(commit: (items: readonly I[]) => O[], maxItems = 200) {
    this.#commit = commit;
    this.#maxItems = maxItems;
  }

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.flush());
      else if (this.#pending.length >= this.#maxItems) this.flush();
    });
  }

  /** Commits what is pending now (close() calls it so nothing submitted is dropped). */
  flush(): void {
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    try {
      const results = this.#commit(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // The transaction rolled back whole; each write now gets its own answer, so one bad
      // message (or a full disk reached midway) does not fail the others.
      for (const entry of batch) {
        try {
          entry.resolve(this.#commit([entry.item])[0]!);
        } catch (itemError) {
          entry.reject(itemError);
        }
      }
    }
  }
}
