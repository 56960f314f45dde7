export interface WriteBatchOptions<I, O> {
  /** Runs one transaction for all items and returns one result per item, in order. */
  readonly commit: (items: readonly I[]) => O[];
  /**
   * What follows a commit (events): runs once the transaction is over, outside the retry
   * below, so that a failure here can never write the same items a second time.
   */
  readonly committed?: (results: readonly O[]) => void;
  /** Hears of a failure in `committed`; the writes themselves stand and are answered. */
  readonly onError?: (error: unknown) => void;
  readonly maxItems?: number;
}

/**
 * Group commit: writes submitted in the same turn of the event loop share one
 * transaction. Under concurrent SMTP sessions this turns many small commits (and, worse,
 * one FTS5 index segment per message) into one; a lone writer waits one turn at most.
 */
export class WriteBatch<I, O> {
  readonly #options: WriteBatchOptions<I, O>;
  readonly #maxItems: number;
  #pending: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];

  constructor(options: WriteBatchOptions<I, O>) {
    this.#options = options;
    this.#maxItems = options.maxItems ?? 200;
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
    const outcomes = this.#commitAll(batch.map((entry) => entry.item));
    const results = outcomes.filter((o): o is { value: O } => 'value' in o).map((o) => o.value);
    if (results.length > 0) this.#afterCommit(results);
    outcomes.forEach((outcome, i) => {
      if ('value' in outcome) batch[i]!.resolve(outcome.value);
      else batch[i]!.reject(outcome.error);
    });
  }

  /** One transaction; when it fails, each item alone, so one bad write fails only itself. */
  #commitAll(items: readonly I[]): ({ value: O } | { error: unknown })[] {
    try {
      return this.#options.commit(items).map((value) => ({ value }));
    } catch (error) {
      if (items.length === 1) return [{ error }];
    }
    // The transaction rolled back whole (one bad message, or a full disk reached midway).
    return items.map((item) => {
      try {
        return { value: this.#options.commit([item])[0]! };
      } catch (error) {
        return { error };
      }
    });
  }

  #afterCommit(results: readonly O[]): void {
    try {
      this.#options.committed?.(results);
    } catch (error) {
      this.#options.onError?.(error);
    }
  }
}
