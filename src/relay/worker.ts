import type { Transporter } from 'nodemailer';
import type { Upstream } from '../config/relay.js';
import type { Logger } from '../log/logger.js';
import { MessageNotFoundError } from '../store/errors.js';
import type { AttemptResult, OutboxEntry, Store } from '../store/types.js';
import {
  classifyError,
  describeError,
  nextRetry,
  type BackoffOptions,
  type Outcome,
} from './outcome.js';
import { overrideFrom } from './overrides.js';
import { createUpstreamTransport } from './transport.js';

export interface OutboxWorkerOptions {
  readonly store: Store;
  readonly upstreams: readonly Upstream[];
  readonly retry: BackoffOptions;
  readonly logger: Logger;
  /** How long a claimed entry stays with this worker; past it, it is sent again. */
  readonly leaseMs: number;
}

/** Entries being sent at once, over every upstream; each upstream's pool limits its own connections. */
const MAX_IN_FLIGHT = 100;
/** The longest the worker sleeps without looking at the outbox (another instance may have queued). */
const MAX_SLEEP_MS = 30_000;
const CLOSE_GRACE_MS = 5_000;

/**
 * Sends due outbox entries. It runs beside SMTP capture and never inside it: the store's
 * ingest path only emits an event, and a slow or dead upstream only delays this loop.
 * Entries are claimed under a lease ('sending', committed) before a send and the result
 * recorded after, so a crash in between sends them again, on restart or, on a shared
 * PostgreSQL database, from another instance once the lease runs out: at-least-once.
 */
export class OutboxWorker {
  readonly #options: OutboxWorkerOptions;
  readonly #transports = new Map<string, Transporter>();
  readonly #sends = new Set<Promise<void>>();
  #inFlight = 0;
  #running = false;
  #pumping = false;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: OutboxWorkerOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const requeued = await this.#options.store.requeueExpiredLeases(new Date());
    if (requeued > 0)
      this.#options.logger.info('sending again what a stopped instance left unfinished', {
        entries: requeued,
      });
    this.#running = true;
    this.#unsubscribe = this.#options.store.subscribe((event) => {
      // Deferred: claiming at once would emit 'sending' while the store is still handing
      // 'queued' to the other listeners, and browsers would see the states out of order.
      if (event.type === 'outbox' && event.entries.some((e) => e.state === 'queued'))
        queueMicrotask(() => this.wake());
    });
    this.wake();
  }

  /** Looks at the outbox now rather than at the next due time. */
  wake(): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    void this.#pump();
  }

  async close(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#unsubscribe?.();
    // Sends in progress may finish and be recorded; what does not is 'sending' and goes again.
    await Promise.race([
      Promise.allSettled([...this.#sends]),
      new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref()),
    ]);
    for (const transport of this.#transports.values()) transport.close();
    this.#transports.clear();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (this.#running && this.#inFlight < MAX_IN_FLIGHT) {
          const claimed = await this.#options.store.claimDueOutbox(
            new Date(),
            MAX_IN_FLIGHT - this.#inFlight,
            this.#options.leaseMs,
          );
          if (claimed.length === 0) break;
          for (const group of groupBySend(claimed)) this.#track(group);
        }
      } while (this.#again && this.#running);
      if (this.#running) await this.#schedule();
    } catch (error) {
      this.#options.logger.error('outbox worker failed; trying again shortly', {
        error: (error as Error).message,
      });
      if (this.#running) this.#timer = setTimeout(() => this.wake(), 1000);
    } finally {
      this.#pumping = false;
    }
  }

  async #schedule(): Promise<void> {
    const due = await this.#options.store.nextOutboxDue();
    const wait = due === null ? MAX_SLEEP_MS : Math.max(0, due.getTime() - Date.now());
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), Math.min(wait, MAX_SLEEP_MS));
  }

  #track(group: readonly OutboxEntry[]): void {
    this.#inFlight += group.length;
    const send = this.#send(group)
      .catch((error: unknown) =>
        this.#options.logger.error('could not record a relay attempt', {
          error: (error as Error).message,
        }),
      )
      .finally(() => {
        this.#inFlight -= group.length;
        this.#sends.delete(send);
        this.wake();
      });
    this.#sends.add(send);
  }

  /** One message to one upstream, for every recipient in the group. */
  async #send(group: readonly OutboxEntry[]): Promise<void> {
    const first = group[0]!;
    const { store, logger } = this.#options;
    const upstream = this.#options.upstreams.find((u) => u.name === first.upstream);
    if (!upstream) {
      const reply = `no upstream named "${first.upstream}" is configured any more`;
      return this.#record(group, () => ({ kind: 'permanent', reply }));
    }
    let raw: Buffer;
    let mailFrom: string;
    try {
      raw = await store.getRaw(first.messageId);
      mailFrom = (await store.getMessage(first.messageId)).envelope.mailFrom;
    } catch (error) {
      if (!(error instanceof MessageNotFoundError)) throw error;
      return this.#record(group, () => ({ kind: 'permanent', reply: 'the message was deleted' }));
    }
    if (upstream.from) raw = overrideFrom(raw, upstream.from);
    const to = [...new Set(group.map((e) => e.recipient))];
    let outcomeOf: (entry: OutboxEntry) => Outcome;
    try {
      const info = (await this.#transport(upstream).sendMail({
        envelope: { from: upstream.envelopeFrom ?? mailFrom, to },
        raw,
      })) as { response: string; rejectedErrors?: RecipientError[] };
      outcomeOf = perRecipient(info.rejectedErrors ?? [], { kind: 'sent', reply: info.response });
    } catch (error) {
      const rejected = (error as { rejectedErrors?: RecipientError[] }).rejectedErrors;
      outcomeOf = rejected?.length
        ? perRecipient(rejected, classifyError(error))
        : () => classifyError(error);
    }
    logger.info('relay attempt', {
      message: first.messageId,
      upstream: upstream.name,
      recipients: to.length,
      result: outcomeOf(first).kind,
    });
    return this.#record(group, outcomeOf);
  }

  async #record(group: readonly OutboxEntry[], outcomeOf: (e: OutboxEntry) => Outcome) {
    const results: AttemptResult[] = group.map((entry) => {
      const outcome = outcomeOf(entry);
      const queuedAt = Date.parse(entry.queuedAt ?? entry.createdAt);
      return {
        id: entry.id,
        outcome: outcome.kind,
        reply: outcome.reply,
        retryAt:
          outcome.kind === 'transient'
            ? nextRetry(entry.attempts + 1, queuedAt, this.#options.retry)
            : null,
      };
    });
    await this.#options.store.recordOutboxAttempts(results);
  }

  #transport(upstream: Upstream): Transporter {
    let transport = this.#transports.get(upstream.name);
    if (!transport) {
      transport = createUpstreamTransport(upstream);
      this.#transports.set(upstream.name, transport);
    }
    return transport;
  }
}

interface RecipientError {
  recipient?: string;
  response?: string;
  responseCode?: number;
  code?: string;
  message?: string;
}

/** Outcome per recipient: refused ones get their own RCPT reply, the rest `otherwise`. */
function perRecipient(rejected: readonly RecipientError[], otherwise: Outcome) {
  const byAddress = new Map(rejected.map((r) => [(r.recipient ?? '').toLowerCase(), r]));
  return (entry: OutboxEntry): Outcome => {
    const refusal = byAddress.get(entry.recipient.toLowerCase());
    if (!refusal) return otherwise;
    const outcome = classifyError(refusal);
    return { kind: outcome.kind, reply: refusal.response ?? describeError(refusal) };
  };
}

/** Entries of one message to one upstream travel in one SMTP transaction. */
function groupBySend(entries: readonly OutboxEntry[]): OutboxEntry[][] {
  const groups = new Map<string, OutboxEntry[]>();
  for (const entry of entries) {
    const key = `${entry.messageId} ${entry.upstream}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups.values()];
}
