import type { Store, WebhookOutcome } from '../store/types.js';
import { MetricsRegistry } from './registry.js';

/** What the SMTP listener reports, at the points where each thing happens. */
export interface SmtpMetrics {
  /** Bytes of DATA read from a client, stored or not. */
  received(bytes: number): void;
  /** A command or message refused with this reply code. */
  refused(code: number): void;
  /** From the end of DATA to the 250, in seconds (parse, commit, reply). */
  ingested(seconds: number): void;
}

export interface SluiceMetrics {
  readonly smtp: SmtpMetrics;
  relayAttempt(outcome: 'sent' | 'transient' | 'permanent'): void;
  webhookAttempt(webhook: string, outcome: WebhookOutcome): void;
  /**
   * The hook for parts that own a live count (event clients, waiters): `read` is called at
   * each scrape. Registering a name again replaces the earlier reader.
   */
  registerGauge(name: string, help: string, read: () => number): void;
  /** Prometheus text exposition of every metric. */
  render(): Promise<string>;
  close(): void;
}

/** Up to 10 s: past that a client has likely given up on the 250 anyway. */
const INGEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every metric Sluice exposes, in one place; the parts only call the edge functions. */
export function createSluiceMetrics(store: Store): SluiceMetrics {
  const registry = new MetricsRegistry();
  const stored = registry.counter('sluice_messages_stored_total', 'Messages stored.');
  const refused = registry.counter(
    'sluice_smtp_refused_total',
    'SMTP commands and messages refused, by reply code.',
  );
  const bytes = registry.counter(
    'sluice_smtp_received_bytes_total',
    'Bytes of message data received over SMTP.',
  );
  bytes.declare({});
  stored.declare({});
  const ingest = registry.histogram(
    'sluice_ingest_seconds',
    'Time from the end of DATA to the 250 reply (parse and commit).',
    INGEST_BUCKETS,
  );
  registry.gauge(
    'sluice_messages',
    'Messages in the mailbox.',
    async () => (await store.stats()).total,
  );
  registry.gauge(
    'sluice_database_bytes',
    'Size of the database file.',
    async () => (await store.stats()).databaseBytes,
  );
  registry.gauge('sluice_outbox_entries', 'Relay outbox entries, by state.', async () =>
    Object.entries(await store.countOutboxByState()).map(([state, value]) => ({
      labels: { state },
      value,
    })),
  );
  const relay = registry.counter('sluice_relay_attempts_total', 'Relay attempts, by outcome.');
  for (const outcome of ['sent', 'transient', 'permanent']) relay.declare({ outcome });
  const webhooks = registry.counter(
    'sluice_webhook_deliveries_total',
    'Webhook delivery attempts, by webhook and outcome.',
  );
  const unsubscribe = store.subscribe((event) => {
    if (event.type === 'stored') stored.inc();
  });
  return {
    smtp: {
      received: (n) => bytes.inc({}, n),
      refused: (code) => refused.inc({ code: String(code) }),
      ingested: (seconds) => ingest.observe(seconds),
    },
    relayAttempt: (outcome) => relay.inc({ outcome }),
    webhookAttempt: (webhook, outcome) => webhooks.inc({ webhook, outcome }),
    registerGauge: (name, help, read) => registry.gauge(name, help, read),
    render: () => registry.render(),
    close: unsubscribe,
  };
}
