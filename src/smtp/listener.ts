import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Config, Listen } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { SmtpMetrics } from '../metrics/sluice-metrics.js';
import { authenticate } from './auth.js';
import type { Certificate } from './certificate.js';
import type { Chaos } from './chaos.js';
import { InflightBudget } from './inflight-budget.js';
import { receiveMessage, type IngestPort } from './receive.js';
import { smtpError, smtpReplyForStoreError } from './replies.js';
import { SluiceSmtpServer } from './server.js';
import { TrafficLog } from './traffic-log.js';

export interface SmtpListenerOptions {
  readonly config: Pick<
    Config,
    'hostname' | 'smtpAuth' | 'limits' | 'tls' | 'smtp' | 'starttls' | 'smtps'
  >;
  readonly certificate: Certificate;
  /** Where messages go; the 250 waits for `capture`. */
  readonly ingest: IngestPort;
  readonly logger: Logger;
  /** Fault injection (--enable-chaos); each hook below is one line that asks it. */
  readonly chaos?: Chaos;
  /** Counts bytes, refusals by code and the DATA-to-250 time (src/metrics). */
  readonly metrics?: SmtpMetrics;
}

export interface SmtpAddresses {
  readonly smtp: AddressInfo;
  readonly starttls: AddressInfo | null;
  readonly smtps: AddressInfo | null;
}

/** How a listener offers TLS: STARTTLS when asked to, always, or from the first byte. */
type TlsOffer = 'starttls-if-configured' | 'starttls' | 'implicit';

/** How long a shutdown waits for messages that are mid-DATA before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The SMTP side: plain, STARTTLS and implicit-TLS listeners, sharing one pipeline. */
export class SmtpListener {
  readonly #options: SmtpListenerOptions;
  readonly #servers: SluiceSmtpServer[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #traffic: TrafficLog;
  /** DATA held in memory across sessions (--max-inflight-bytes). */
  readonly budget: InflightBudget;
  #closing = false;

  constructor(options: SmtpListenerOptions) {
    this.#options = options;
    this.budget = new InflightBudget(options.config.limits.maxInflightBytes);
    this.#traffic = new TrafficLog({ logger: options.logger });
  }

  async listen(): Promise<SmtpAddresses> {
    const { config } = this.#options;
    const smtp = await this.#start(config.smtp, 'starttls-if-configured');
    const starttls = config.starttls && (await this.#start(config.starttls, 'starttls'));
    const smtps = config.smtps && (await this.#start(config.smtps, 'implicit'));
    return { smtp, starttls, smtps };
  }

  /**
   * Stops accepting and closes idle sessions at once; messages already in DATA finish and
   * commit (their senders get the 250), then their connections are closed too.
   */
  async close(): Promise<void> {
    this.#closing = true;
    const closed = this.#servers.map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    for (const server of this.#servers) server.closeIdle();
    const deadline = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
    await Promise.race([Promise.allSettled([...this.#inFlight]), deadline]);
    for (const server of this.#servers) {
      for (const session of [...server.sessions]) session.cut('Service shutting down');
    }
    await Promise.all(closed);
    this.#traffic.close();
  }

  #start(address: Listen, tls: TlsOffer): Promise<AddressInfo> {
    const { limits } = this.#options.config;
    const server = new SluiceSmtpServer(this.#serverOptions(tls), {
      limits: {
        maxConnections: limits.maxConnections,
        commandTimeoutMs: limits.commandTimeoutMs,
        minDataRate: limits.minDataRate,
        // As long as a client may be idle, it may take before DATA has to keep the pace.
        dataGraceMs: limits.idleTimeoutMs,
      },
      refuseData: () =>
        this.budget.full ? 'Too much mail in flight, try again in a moment' : null,
      refused: (connection, code, text) => {
        this.#options.metrics?.refused(code);
        if (!this.#closing) this.#traffic.refused(connection.remoteAddress, code, text);
      },
    });
    server.on('error', (error: Error) =>
      this.#options.logger.debug('connection error', { error: error.message }),
    );
    this.#servers.push(server);
    return new Promise((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.server.off('error', reject);
        resolve(server.server.address() as AddressInfo);
      });
    });
  }

  #serverOptions(tls: TlsOffer): SMTPServerOptions {
    const { config, certificate, logger, chaos } = this.#options;
    // nodemailer, ruby-mail and Symfony Mailer upgrade whenever STARTTLS is offered and then
    // verify: the plain port offers it only with a certificate the user chose or required TLS.
    const noStarttls = tls === 'starttls-if-configured' && !config.tls.starttlsOnSmtp;
    return {
      name: config.hostname,
      banner: 'Sluice ready',
      secure: tls === 'implicit',
      ...(noStarttls ? { disabledCommands: ['STARTTLS'] } : {}),
      key: certificate.key,
      cert: certificate.cert,
      logger: false,
      disableReverseLookup: true,
      size: config.limits.maxMessageSize,
      // Without this the library only advertises SIZE and checks MAIL FROM's SIZE=; a message
      // that goes over the limit in DATA is answered with whatever onData returns.
      rejectOversized: true,
      socketTimeout: config.limits.idleTimeoutMs,
      closeTimeout: SHUTDOWN_GRACE_MS,
      authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
      authOptional: config.smtpAuth.mode === 'optional',
      // A capture server on loopback: AUTH over a plain connection is what apps do in development.
      // With --smtp-require-tls the password must not cross in clear either: 538 until STARTTLS.
      allowInsecureAuth: !config.tls.required,
      hideENHANCEDSTATUSCODES: false,
      hideSMTPUTF8: false,
      hide8BITMIME: false,
      hidePIPELINING: false,
      // Synchronous on purpose: the library's default defers it with setImmediate, and a
      // client that pipelines EHLO right after connecting would then be "talking too soon".
      onConnect: (_session, callback) => callback(chaos?.onConnect()),
      onAuth: (auth, session, callback) => {
        const refused = chaos?.onAuth();
        if (refused) return callback(refused);
        callback(...authenticate(config.smtpAuth, auth, session, logger));
      },
      onMailFrom: (_address, session, callback) => {
        if (config.tls.required && !session.secure) {
          return callback(smtpError(530, 'Must issue a STARTTLS command first'));
        }
        callback(chaos?.onMailFrom());
      },
      onRcptTo: (_address, session, callback) => {
        const refused = chaos?.onRcptTo();
        if (refused) return callback(refused);
        if (session.envelope.rcptTo.length >= config.limits.maxRecipients) {
          return callback(
            smtpError(
              452,
              `Too many recipients, at most ${config.limits.maxRecipients} per message`,
            ),
          );
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const work = this.#receive(stream, session).then(
          (reply) => callback(null, reply),
          (error: unknown) => callback(error as Error),
        );
        this.#inFlight.add(work);
        void work.finally(() => this.#inFlight.delete(work));
      },
    };
  }

  /**
   * The whole message is in: held a while if chaos simulates a slow link. Returns when DATA
   * ended, for the DATA-to-250 time.
   */
  async #dataEnded(size: number): Promise<number> {
    const ended = performance.now();
    const delay = this.#options.chaos?.slowLinkDelayMs(size);
    if (delay) await sleep(delay);
    return ended;
  }

  /** Reads DATA (staging a large message as it arrives), commits it, returns the 250 text. */
  async #receive(stream: Readable, session: SMTPServerSession): Promise<string> {
    const { ingest, logger, config } = this.#options;
    let dataEnd = 0;
    try {
      const message = await receiveMessage(stream, session, {
        ingest,
        budget: this.budget,
        maxMessageSize: config.limits.maxMessageSize,
        read: (size) => this.#options.metrics?.received(size),
        beforeCommit: async (size) => void (dataEnd = await this.#dataEnded(size)),
      });
      this.#options.metrics?.ingested((performance.now() - dataEnd) / 1000);
      this.#traffic.stored();
      logger.debug('stored', { id: message.id, size: message.size, subject: message.subject });
      return `Ok: queued as ${message.id}`;
    } catch (error) {
      if ((error as { responseCode?: unknown }).responseCode) throw error;
      // The client went away mid-DATA: nobody is there to answer, nothing was stored.
      if ((error as { code?: unknown }).code === 'ECONNECTION') throw error;
      logger.error('could not store a message', { error: (error as Error).message });
      throw smtpReplyForStoreError(error);
    }
  }
}
