import type { Store, StoreEvent } from '../../store/types.js';

/**
 * Frames a slow client may have waiting before it is dropped: a client that cannot keep up
 * is disconnected (it reconnects and reloads) rather than growing the server's memory.
 */
export const MAX_QUEUED_FRAMES = 256;

export interface FanoutClient {
  /** Writes one frame; resolves when the transport took it. */
  send(frame: string): Promise<void>;
  /** Ends the connection: it fell too far behind. */
  drop(): void;
}

/**
 * One wire format's live feed: each store event is translated once (a MailHog frame reads
 * the raw message once, however many clients listen), then queued to every client with a
 * bound. It listens to the store only while it has clients.
 *
 * The team's event hub (src/web/hub/) will do this for every format; this is the small
 * piece to swap for it.
 */
export class Fanout {
  readonly #store: Store;
  readonly #translate: (event: StoreEvent) => Promise<readonly string[]>;
  readonly #clients = new Map<FanoutClient, { queued: number; chain: Promise<void> }>();
  #unsubscribe: (() => void) | null = null;
  /** Translations run in event order, so frames go out in the order things happened. */
  #translated: Promise<unknown> = Promise.resolve();

  constructor(store: Store, translate: (event: StoreEvent) => Promise<readonly string[]>) {
    this.#store = store;
    this.#translate = translate;
  }

  /** Adds a client; returns the function that removes it. */
  add(client: FanoutClient): () => void {
    this.#clients.set(client, { queued: 0, chain: Promise.resolve() });
    this.#unsubscribe ??= this.#store.subscribe((event) => this.#publish(event));
    return () => this.#remove(client);
  }

  get size(): number {
    return this.#clients.size;
  }

  #remove(client: FanoutClient): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) {
      this.#unsubscribe?.();
      this.#unsubscribe = null;
    }
  }

  #publish(event: StoreEvent): void {
    const frames = this.#translated.then(() => this.#translate(event));
    this.#translated = frames.catch(() => []);
    void frames.then(
      (list) => list.forEach((frame) => this.#queue(frame)),
      // A message deleted before it was read for its frame has nothing to show.
      () => {},
    );
  }

  #queue(frame: string): void {
    for (const [client, state] of this.#clients) {
      if (state.queued >= MAX_QUEUED_FRAMES) {
        this.#remove(client);
        client.drop();
        continue;
      }
      state.queued++;
      state.chain = state.chain
        .then(() => client.send(frame))
        .catch(() => {})
        .finally(() => state.queued--);
    }
  }
}
