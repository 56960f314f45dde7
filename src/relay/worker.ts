import type { Transporter } from 'nodemailer';
import type { Upstream } from '../config/relay.js';
import type { Logger } from '../log/logger.js';
import { MessageNotFoundError, OutboxEntryNotFoundError } from '../store/errors.js';
import type { AttemptResult, OutboxEntry, Store } from '../store/types.js';
import {
  classifyError,
  describeError,
  nextRetry,
  type BackoffOptions,
  type Outcome,
} from './outcome.js';
import { whileLeased } from './lease-heartbeat.js';
import { overrideFrom } from './overrides.js';
import { createUpstreamTransport } from './transport.js';

export interface OutboxWorkerOptions {
  readonly store: Store;
  readonly upstreams: readonly Upstream[];
  readonly retry: BackoffOptions;
  readonly logger: Logger;
  /** How long a claimed entry stays with this worker; past it, it is sent again. */
  readonly leaseMs: number;
  /** Hears the outcome of every recipient's attempt (the metrics count them). */
  readonly onAttempt?: (outcome: Outcome['kind']) => void;
}

/** Entries being sent at once, over every upstream; each upstream's pool limits its own connections. */
const MAX_IN_FLIGHT = 100;
/** The longest the worker sleeps without looking at the outbox (another instance may have queued). */
const MAX_SLEEP_MS = 30_000;
/** After a pass fails (the store refused), the next waits this long, doubling up to MAX_SLEEP_MS. */
const FIRST_FAILURE_DELAY_MS = 1000;
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
  /** Results the store could not take yet (full, unavailable): recorded before the next claim. */
  #unrecorded: AttemptResult[] = [];
  #inFlight = 0;
  #running = false;
  /** A pass over the outbox is running, or about to. */
  #pumping = false;
  /** Someone asked for a look at the outbox since the current pass began. */
  #wanted = false;
  #failures = 0;
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

  /**
   * Looks at the outbox now rather than at the next due time. A wake during a pass is
   * never lost: it sets #wanted, which the pump reads before it stops.
   */
  wake(): void {
    if (!this.#running) return;
    this.#wanted = true;
    if (this.#pumping) return;
    this.#pumping = true;
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
    await this.#recordLeftovers().catch(() => {});
    for (const transport of this.#transports.values()) transport.close();
    this.#transports.clear();
  }

  /** Passes over the outbox until one ends with no wake asked for while it ran. */
  async #pump(): Promise<void> {
    while (this.#running && this.#wanted) {
      this.#wanted = false;
      clearTimeout(this.#timer);
      const sleep = await this.#pass();
      if (this.#running) this.#timer = setTimeout(() => this.wake(), sleep);
    }
    // In the same turn as the last read of #wanted: a wake from here on starts a new pump.
    this.#pumping = false;
  }

  /** Claims and starts what is due; returns how long to sleep before the next look. */
  async #pass(): Promise<number> {
    const { store, logger } = this.#options;
    try {
      await this.#recordLeftovers();
      while (this.#running && this.#inFlight < MAX_IN_FLIGHT) {
        const claimed = await store.claimDueOutbox(
          new Date(),
          MAX_IN_FLIGHT - this.#inFlight,
          this.#options.leaseMs,
        );
        if (claimed.length === 0) break;
        for (const group of groupBySend(claimed)) this.#track(group);
      }
      this.#failures = 0;
      // Full: each send that ends wakes the worker; a timer for entries already due would
      // only spin until then.
      if (this.#inFlight >= MAX_IN_FLIGHT) return MAX_SLEEP_MS;
      const due = await store.nextOutboxDue();
      return due === null ? MAX_SLEEP_MS : clamp(due.getTime() - Date.now(), 0, MAX_SLEEP_MS);
    } catch (error) {
      const sleep = Math.min(MAX_SLEEP_MS, FIRST_FAILURE_DELAY_MS * 2 ** this.#failures++);
      logger.error('outbox worker failed; trying again shortly', {
        error: (error as Error).message,
        retryInMs: sleep,
      });
      return sleep;
    }
  }

  #track(group: readonly OutboxEntry[]): void {
    this.#inFlight += group.length;
    const send = this.#leased(group)
      .then((results) => this.#record(results))
      .catch((error: unknown) =>
        this.#options.logger.error('relay attempt failed unexpectedly', {
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

  /** The attempt, with its entries' leases renewed until it ends (lease-heartbeat.ts). */
  #leased(group: readonly OutboxEntry[]): Promise<AttemptResult[]> {
    const { store, logger, leaseMs } = this.#options;
    const ids = group.map((entry) => entry.id);
    return whileLeased(this.#attempt(group), {
      leaseMs,
      renew: async () => (await store.renewOutboxLeases(ids, new Date(), leaseMs)).length > 0,
      onLost: () =>
        logger.warn(
          'a relay send outlived its lease and was taken over; its result will not count',
          {
            message: group[0]!.messageId,
          },
        ),
      onError: (error) =>
        logger.warn('could not renew a relay lease', { error: (error as Error).message }),
    });
  }

  /** One message to one upstream, for every recipient in the group: one result for each. */
  async #attempt(group: readonly OutboxEntry[]): Promise<AttemptResult[]> {
    const first = group[0]!;
    const { store, logger } = this.#options;
    const upstream = this.#options.upstreams.find((u) => u.name === first.upstream);
    if (!upstream) {
      const reply = `no upstream named "${first.upstream}" is configured any more`;
      return this.#results(group, () => ({ kind: 'permanent', reply }));
    }
    let raw: Buffer;
    let mailFrom: string;
    try {
      raw = await store.getRaw(first.messageId);
      mailFrom = (await store.getMessage(first.messageId)).envelope.mailFrom;
    } catch (error) {
      if (error instanceof MessageNotFoundError)
        return this.#results(group, () => ({
          kind: 'permanent',
          reply: 'the message was deleted',
        }));
      // Nothing left for the upstream: back to the queue, after the usual backoff.
      const reply = `Sluice could not read the message: ${(error as Error).message}`;
      return this.#results(group, () => ({ kind: 'transient', reply }));
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
    return this.#results(group, outcomeOf);
  }

  #results(group: readonly OutboxEntry[], outcomeOf: (e: OutboxEntry) => Outcome) {
    return group.map((entry): AttemptResult => {
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
  }

  /**
   * Results the store refuses now are kept and recorded by a later pass, so their entries do
   * not stay 'sending' until a restart (and a sent message is not sent again).
   */
  async #record(results: readonly AttemptResult[]): Promise<void> {
    for (const result of results) this.#options.onAttempt?.(result.outcome);
    try {
      await this.#options.store.recordOutboxAttempts(results);
    } catch (error) {
      this.#unrecorded.push(...results);
      this.#options.logger.error('could not record a relay attempt; trying again shortly', {
        error: (error as Error).message,
      });
    }
  }

  async #recordLeftovers(): Promise<void> {
    if (this.#unrecorded.length === 0) return;
    const results = this.#unrecorded;
    this.#unrecorded = [];
    try {
      await this.#options.store.recordOutboxAttempts(results);
    } catch (error) {
      // An entry that no longer exists has nothing to record; the others wait for the store.
      const gone = error instanceof OutboxEntryNotFoundError ? error.id : null;
      this.#unrecorded.unshift(...results.filter((result) => result.id !== gone));
      throw error;
    }
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

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

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
