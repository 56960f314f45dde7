import type { Webhook } from '../config/webhooks.js';
import type { Logger } from '../log/logger.js';
import { whileLeased } from '../relay/lease-heartbeat.js';
import { nextRetry } from '../relay/outcome.js';
import { parseSearchQuery, type SearchQuery } from '../store/search-query.js';
import type { MessageSummary, Store, WebhookCursor, WebhookOutcome } from '../store/types.js';
import { VERSION } from '../version.js';
import { BlockedAddressError } from './address-guard.js';
import { POST_TIMEOUT_MS, postJson } from './post.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

export interface WebhookDelivererOptions {
  readonly webhook: Webhook;
  readonly store: Store;
  readonly logger: Logger;
  /** Hears of every attempt (the metrics count them). */
  readonly onAttempt?: (webhook: string, outcome: WebhookOutcome) => void;
}

/** Messages read from the store at a time; a burst is worked through in pages of this. */
const PAGE = 100;
/** The longest it sleeps without looking (another instance may have stored mail). */
const IDLE_MS = 30_000;
/** After an unexpected error (the store), it looks again this soon. */
const ERROR_PAUSE_MS = 1_000;
/**
 * How long a turn at delivering lasts when its instance stops renewing it (it died): three
 * POST timeouts. Another instance sharing the database takes the webhook over after it.
 */
export const WEBHOOK_LEASE_MS = 3 * POST_TIMEOUT_MS;

/**
 * Delivers one webhook's messages in id order, one POST per message, one at a time. The
 * cursor in the store moves past a message in the same transaction that records its 2xx,
 * so a restart neither loses a message nor sends again one that was acknowledged. A failed
 * message is retried with the relay's backoff and holds back those after it: the receiver
 * sees messages in order, and a receiver that is down costs one request per backoff step.
 * Instances sharing a database take turns: a pass holds the webhook's lease (renewed while it
 * runs, given back when it ends), and an instance that finds the turn taken sleeps until it
 * would run out; the instance delivering hears of every message stored meanwhile anyway.
 */
export class WebhookDeliverer {
  readonly #options: WebhookDelivererOptions;
  readonly #query: SearchQuery | undefined;
  #cursor: WebhookCursor | undefined;
  #running = false;
  #pumping: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Another instance has the turn until then: wakes before it would only find it taken. */
  #othersTurnUntil = 0;
  /** This pass's lease was taken over (it outlived it): the pass stops at the next message. */
  #leaseLost = false;

  constructor(options: WebhookDelivererOptions) {
    this.#options = options;
    const { filter } = options.webhook;
    this.#query = filter ? parseSearchQuery(filter) : undefined;
  }

  get name(): string {
    return this.#options.webhook.name;
  }

  async start(): Promise<void> {
    this.#cursor = await this.#options.store.openWebhookCursor(this.name);
    this.#running = true;
    this.#unsubscribe = this.#options.store.subscribe((event) => {
      if (event.type === 'stored') this.wake();
    });
    this.wake();
  }

  /** Looks for work now, unless a failed message is waiting for its retry time. */
  wake(): void {
    if (!this.#running || Date.now() < this.#othersTurnUntil) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again) this.wake();
    });
  }

  /** Lets the delivery in progress finish and be recorded, then stops. */
  async close(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#unsubscribe?.();
    await this.#pumping;
  }

  async #pump(): Promise<void> {
    const { store, logger } = this.#options;
    try {
      const claim = await store.claimWebhookCursor(this.name, WEBHOOK_LEASE_MS);
      if (!claim.held) {
        this.#othersTurnUntil = claim.until.getTime();
        return this.#sleep(Math.max(0, this.#othersTurnUntil - Date.now()));
      }
      this.#cursor = claim.cursor;
      this.#leaseLost = false;
      await whileLeased(this.#deliverAll(), {
        leaseMs: WEBHOOK_LEASE_MS,
        renew: () => store.renewWebhookLease(this.name, WEBHOOK_LEASE_MS),
        onLost: () => {
          this.#leaseLost = true;
          logger.warn('webhook delivery outlived its lease; another instance took it over', {
            webhook: this.name,
          });
        },
        onError: (error) =>
          logger.warn('could not renew a webhook lease', {
            webhook: this.name,
            error: (error as Error).message,
          }),
      }).finally(() => store.releaseWebhookCursor(this.name));
    } catch (error) {
      logger.error('webhook delivery failed; trying again shortly', {
        webhook: this.name,
        error: (error as Error).message,
      });
      this.#sleep(ERROR_PAUSE_MS);
    }
  }

  /** Delivers until nothing is left, or a message waits for its retry; then sleeps. */
  async #deliverAll(): Promise<void> {
    do {
      this.#again = false;
      while (this.#running) {
        const wait = this.#retryWait();
        if (wait > 0) return this.#sleep(wait);
        if (!(await this.#deliverPage())) break;
      }
    } while (this.#again && this.#running);
    // A message that just failed waits for its retry; otherwise a look now and then.
    this.#sleep(this.#retryWait() > 0 ? this.#retryWait() : IDLE_MS);
  }

  #sleep(ms: number): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#othersTurnUntil = 0;
        this.wake();
      },
      Math.min(ms, IDLE_MS),
    );
  }

  #retryWait(): number {
    const at = this.#cursor?.retryMessageId !== null ? this.#cursor?.nextAttemptAt : null;
    return at ? Date.parse(at) - Date.now() : 0;
  }

  /** One page after the cursor; false when there was nothing to do or a message failed. */
  async #deliverPage(): Promise<boolean> {
    const { store } = this.#options;
    const after = this.#cursor!.deliveredThrough;
    const page = await store.listMessagesAfter(after, PAGE);
    if (page.length === 0) return false;
    const last = page[page.length - 1]!.id;
    const matching = this.#query
      ? [
          ...(
            await store.listMessages({ limit: PAGE, after, before: last + 1, query: this.#query })
          ).messages,
        ].reverse()
      : page;
    for (const message of matching) {
      this.#cursor = await this.#deliver(message);
      if (this.#cursor.retryMessageId !== null || !this.#running || this.#leaseLost) return false;
    }
    // Messages after the last match that the filter skips: past them for good.
    if (this.#cursor!.deliveredThrough < last) {
      await store.advanceWebhookCursor(this.name, last);
      this.#cursor = { ...this.#cursor!, deliveredThrough: last };
    }
    return true;
  }

  async #deliver(message: MessageSummary): Promise<WebhookCursor> {
    const { webhook, store, logger } = this.#options;
    const body = JSON.stringify(message);
    const started = performance.now();
    let outcome: WebhookOutcome;
    let status: number | null = null;
    let reply: string;
    try {
      ({ status, reply } = await postJson({
        url: webhook.url,
        body,
        headers: this.#headers(message, body),
        allowPrivate: webhook.allowPrivate,
      }));
      outcome = status >= 200 && status < 300 ? 'delivered' : 'failed';
    } catch (error) {
      outcome = error instanceof BlockedAddressError ? 'refused' : 'failed';
      const code = (error as NodeJS.ErrnoException).code;
      reply = `${code ? `${code}: ` : ''}${(error as Error).message}`;
    }
    const retryAt = outcome === 'delivered' ? null : this.#nextAttempt(message.id);
    this.#options.onAttempt?.(webhook.name, outcome);
    const fields = { webhook: webhook.name, message: message.id, reply };
    if (outcome !== 'delivered' && retryAt === null)
      logger.warn('webhook gave up on a message after its retries', fields);
    else if (outcome !== 'delivered') logger.info('webhook delivery failed; will retry', fields);
    return store.recordWebhookAttempt({
      webhook: webhook.name,
      messageId: message.id,
      outcome,
      status,
      reply,
      durationMs: Math.round(performance.now() - started),
      retryAt,
    });
  }

  /** The relay's backoff (exponential, jittered, up to a maximum age) for this message. */
  #nextAttempt(messageId: number): Date | null {
    const cursor = this.#cursor!;
    const retrying = cursor.retryMessageId === messageId;
    const attempts = retrying ? cursor.attempts + 1 : 1;
    const first =
      retrying && cursor.firstAttemptAt ? Date.parse(cursor.firstAttemptAt) : Date.now();
    return nextRetry(attempts, first, this.#options.webhook.retry);
  }

  #headers(message: MessageSummary, body: string): Record<string, string> {
    const { webhook } = this.#options;
    const headers: Record<string, string> = {
      'user-agent': `Sluice/${VERSION}`,
      'sluice-event': 'message.stored',
      'sluice-webhook': webhook.name,
      // The same on every retry of a message: a receiver can drop a delivery it already has.
      'sluice-delivery': `${webhook.name}:${message.id}`,
    };
    if (webhook.secret)
      headers[SIGNATURE_HEADER.toLowerCase()] = signatureHeader(
        webhook.secret,
        body,
        Math.floor(Date.now() / 1000),
      );
    return headers;
  }
}
