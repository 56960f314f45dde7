import type { AddressInfo } from 'node:net';
import { hostname as machineHostname } from 'node:os';
import { describeDatabase, type Config } from './config/config.js';
import { exposureWarnings, refuseOpenExposure } from './config/exposure.js';
import { ThreadedStore } from './ingest/threaded-store.js';
import type { StoreOptions } from './store/open-store.js';
import { createLogger, type Logger } from './log/logger.js';
import { createRelay } from './relay/relay.js';
import { createSluiceMetrics, type SluiceMetrics } from './metrics/sluice-metrics.js';
import { createWebhooks } from './webhooks/webhooks.js';
import { checkDatabasePath } from './config/database-path.js';
import { loadCertificate } from './smtp/certificate.js';
import { Chaos } from './smtp/chaos.js';
import { SmtpListener } from './smtp/listener.js';
import type { IncomingMessage } from './ingest/protocol.js';
import { VERSION } from './version.js';
import { createWebApp } from './web/app.js';
import { EventHub } from './web/hub/event-hub.js';
import { MessageWaiters } from './web/waiters.js';
import type { ServerInfo } from './web/routes/system.js';
import { startHttpServer, type HttpServer } from './web/server.js';

export interface RunningAddresses {
  readonly smtp: AddressInfo;
  readonly starttls: AddressInfo | null;
  readonly smtps: AddressInfo | null;
  readonly http: AddressInfo;
}

export interface App {
  /** The Store, served by its own thread, which also parses mail and decodes parts. */
  readonly store: ThreadedStore;
  /** Store events to every live listener: the inbox's stream, and the waiters. */
  readonly events: EventHub;
  readonly waiters: MessageWaiters;
  readonly logger: Logger;
  /** The SMTP listener once started (its in-flight budget is read by tests and the bench). */
  readonly smtp: SmtpListener | undefined;
  /** Counters and gauges of /metrics; its registerGauge is the hook for live counts. */
  readonly metrics: SluiceMetrics;
  start(): Promise<RunningAddresses>;
  /** Every HTTP route (method and path) once started: tests that must cover each one use it. */
  routes(): readonly { readonly method: string; readonly path: string }[];
  /** Stops accepting, finishes messages in DATA, closes the database. Safe to call twice. */
  close(): Promise<void>;
}

export interface AppOptions {
  readonly logger?: Logger;
  /** The chaos module's random source, in [0, 1); tests pass a script of their own. */
  readonly chaosRandom?: () => number;
  /** How to run `sluice sendmail` on this machine, for the inbox's PHP snippet. */
  readonly sendmailCommand?: string;
  /** The event hub's fan-out budget in bytes a second (web/hub/fanout-budget.ts); tests lower it. */
  readonly fanoutBytesPerSecond?: number;
}

/** Builds and wires the parts; nothing listens until start(). */
export function createApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Before the store's thread tries: say which path is not writable, and why.
  if (config.database.engine === 'sqlite') checkDatabasePath(config.db);
  const store = new ThreadedStore(
    { ...storeOptions(config), relayRules: config.relay.mode === 'on' ? config.relay.rules : null },
    // A thread that stops is restarted; the log says so, and /api/ready is 503 meanwhile.
    { logger: logger.child('store') },
  );
  const metrics = createSluiceMetrics(store);
  const relay = createRelay({
    config: config.relay,
    store,
    logger: logger.child('relay'),
    leaseMs: config.relayLeaseMs,
    onAttempt: (outcome) => metrics.relayAttempt(outcome),
  });
  const webhooks = createWebhooks({
    webhooks: config.webhooks,
    store,
    logger: logger.child('webhooks'),
    onAttempt: (name, outcome) => metrics.webhookAttempt(name, outcome),
  });
  const events = new EventHub({
    store,
    logger: logger.child('events'),
    fanoutBytesPerSecond: options.fanoutBytesPerSecond,
  });
  const waiters = new MessageWaiters({
    store,
    hub: events,
    logger: logger.child('web'),
    maxWaiters: config.limits.maxWaiters,
  });
  // The live counts belong to the hub and the waiters; the metrics read them at each scrape.
  metrics.registerGauge(
    'sluice_event_clients',
    'Live event clients (native SSE, Mailpit WebSocket, MailHog SSE).',
    () => events.subscriberCount,
  );
  metrics.registerGauge('sluice_wait_requests', 'Wait requests in progress.', () => waiters.size);
  const chaos = new Chaos({ enabled: config.enableChaos, random: options.chaosRandom });
  const capture = (message: IncomingMessage) => store.capture(message);
  let smtp: SmtpListener | undefined;
  let http: HttpServer | undefined;
  let routes: ReturnType<App['routes']> = [];
  let closing: Promise<void> | undefined;

  async function start(): Promise<RunningAddresses> {
    // main.ts refuses first, with exit code 2; this keeps any other caller from serving one.
    refuseOpenExposure(config);
    for (const warning of exposureWarnings(config)) logger.warn(warning);
    await store.ready;
    const certificate = await loadCertificate({
      ...config.tls,
      db: config.db,
      hostname: config.hostname,
    });
    // Sends what is queued; the decisions themselves are taken in the store's thread.
    await relay.start();
    // Also before: a webhook new to this database starts after its newest message.
    await webhooks.start();
    smtp = new SmtpListener({
      config,
      certificate,
      ingest: store,
      logger: logger.child('smtp'),
      chaos,
      metrics: metrics.smtp,
    });
    const smtpAddresses = await smtp.listen();
    const addresses = {
      ...smtpAddresses,
      http: { address: '', family: '', port: 0 } as AddressInfo,
    };
    const info = (): ServerInfo => ({
      version: VERSION,
      smtp: { host: addresses.smtp.address, port: addresses.smtp.port },
      starttls: addresses.starttls && {
        host: addresses.starttls.address,
        port: addresses.starttls.port,
      },
      smtps: addresses.smtps && { host: addresses.smtps.address, port: addresses.smtps.port },
      http: {
        host: addresses.http.address,
        port: addresses.http.port,
        basePath: config.web.basePath,
        tls: config.web.tls !== null,
        auth: config.web.auth.mode,
      },
      tls: {
        starttls: config.tls.starttlsOnSmtp,
        required: config.tls.required,
        certificate: certificate.source,
        ca: certificate.ca?.path ?? null,
      },
      sendmail: options.sendmailCommand ?? null,
      auth: { mode: config.smtpAuth.mode, methods: ['PLAIN', 'LOGIN', 'CRAM-MD5'] },
      limits: {
        maxMessageSize: config.limits.maxMessageSize,
        maxRecipients: config.limits.maxRecipients,
        maxConnections: config.limits.maxConnections,
      },
      retention: {
        maxMessages: config.retention.maxMessages,
        maxAgeSeconds: config.retention.maxAgeMs / 1000,
        maxDatabaseBytes: config.retention.maxDatabaseBytes,
      },
      database: { path: describeDatabase(config) },
      relay: { mode: relay.enabled ? 'on' : 'off' },
    });
    const web = createWebApp({
      store,
      parts: store,
      logger: logger.child('web'),
      info,
      relay,
      events,
      waiters,
      capture,
      chaos,
      maxMessageSize: config.limits.maxMessageSize,
      web: config.web,
      hostNames: hostNames(config),
      webhooks,
      metrics: config.metrics ? metrics : null,
    });
    routes = web.routes.map(({ method, path }) => ({ method, path }));
    http = await startHttpServer(web, config.http, config.web.tls);
    addresses.http = http.address;
    await store.prune();
    return addresses;
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      // Event streams and waiting requests end now: nothing in them is worth a delay.
      events.close();
      waiters.close();
      await smtp?.close();
      await http?.close();
      await relay.close();
      // The delivery in progress is recorded before the store closes: no 2xx is sent twice.
      await webhooks.close();
      metrics.close();
      await store.close();
    })();
    return closing;
  }

  return {
    store,
    events,
    waiters,
    logger,
    metrics,
    get smtp() {
      return smtp;
    },
    start,
    close,
    routes: () => routes,
  };
}

/**
 * The Host names the HTTP side answers to (IP addresses always): loopback's, the bind
 * address, this machine's name, the SMTP greeting name (`sluice` by default, which is also
 * what Docker Compose calls the service in the README), and --http-allowed-hosts.
 */
function hostNames(config: Config): string[] {
  return [
    'localhost',
    config.http.host,
    machineHostname(),
    config.hostname,
    ...config.web.allowedHosts,
  ].map((name) => name.toLowerCase());
}

/** The engine --db names, with the retention limits every engine applies. */
function storeOptions(config: Config): StoreOptions {
  const { database, retention } = config;
  const limits = {
    maxMessages: retention.maxMessages,
    maxAgeMs: retention.maxAgeMs,
    maxDatabaseBytes: retention.maxDatabaseBytes,
  };
  return database.engine === 'sqlite'
    ? { engine: 'sqlite', path: config.db, ...limits }
    : { engine: 'postgres', url: database.url, tenant: database.tenant, ...limits };
}
