import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describeDatabase, type Config } from './config/config.js';
import { ThreadedStore } from './ingest/threaded-store.js';
import type { StoreOptions } from './store/open-store.js';
import { createLogger, type Logger } from './log/logger.js';
import { createRelay } from './relay/relay.js';
import { loadCertificate } from './smtp/certificate.js';
import { SmtpListener } from './smtp/listener.js';
import { VERSION } from './version.js';
import { createWebApp } from './web/app.js';
import { isLoopback, loopbackHosts } from './web/guards.js';
import type { ServerInfo } from './web/routes/system.js';
import { startHttpServer, type HttpServer } from './web/server.js';

export interface RunningAddresses {
  readonly smtp: AddressInfo;
  readonly smtps: AddressInfo | null;
  readonly http: AddressInfo;
}

export interface App {
  /** The Store, served by its own thread, which also parses mail and decodes parts. */
  readonly store: ThreadedStore;
  readonly logger: Logger;
  start(): Promise<RunningAddresses>;
  /** Stops accepting, finishes messages in DATA, closes the database. Safe to call twice. */
  close(): Promise<void>;
}

export interface AppOptions {
  readonly logger?: Logger;
}

/** Builds and wires the parts; nothing listens until start(). */
export function createApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = new ThreadedStore(
    storeOptions(config),
    // Every message is answered 451 from then on; say why where the operator looks.
    (error) =>
      logger.error('the store stopped; mail is refused until a restart', { error: error.message }),
  );
  const relay = createRelay({
    config: config.relay,
    store,
    logger: logger.child('relay'),
    leaseMs: config.relayLeaseMs,
  });
  let smtp: SmtpListener | undefined;
  let http: HttpServer | undefined;
  let closing: Promise<void> | undefined;

  async function start(): Promise<RunningAddresses> {
    await store.ready;
    const certificate = await loadCertificate({
      ...config.tls,
      // A generated certificate is kept beside a SQLite file, else in the data directory.
      db:
        config.database.engine === 'sqlite'
          ? config.database.path
          : join(config.database.dataDir, 'sluice.db'),
      hostname: config.hostname,
    });
    // Before the listener: every message stored from now on gets a relay decision.
    await relay.start();
    smtp = new SmtpListener({
      config,
      certificate,
      capture: (message) => store.capture(message),
      logger: logger.child('smtp'),
    });
    const smtpAddresses = await smtp.listen(config.smtp, config.smtps);
    const addresses = {
      ...smtpAddresses,
      http: { address: '', family: '', port: 0 } as AddressInfo,
    };
    const info = (): ServerInfo => ({
      version: VERSION,
      smtp: { host: addresses.smtp.address, port: addresses.smtp.port },
      smtps: addresses.smtps && { host: addresses.smtps.address, port: addresses.smtps.port },
      http: { host: addresses.http.address, port: addresses.http.port },
      tls: { starttls: true, required: config.tls.required, certificate: certificate.source },
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
      database: { path: describeDatabase(config.database) },
      relay: { mode: relay.enabled ? 'on' : 'off' },
    });
    const web = createWebApp({
      store,
      parts: store,
      logger: logger.child('web'),
      info,
      relay,
      allowedHosts: isLoopback(config.http.host) ? loopbackHosts(config.http.host) : null,
    });
    http = await startHttpServer(web, config.http);
    addresses.http = http.address;
    await store.prune();
    return addresses;
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      await smtp?.close();
      await http?.close();
      await relay.close();
      await store.close();
    })();
    return closing;
  }

  return { store, logger, start, close };
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
    ? { engine: 'sqlite', path: database.path, ...limits }
    : { engine: 'postgres', url: database.url, tenant: database.tenant, ...limits };
}
