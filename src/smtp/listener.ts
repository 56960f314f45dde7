import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  SMTPServer,
  SMTPServerAuthentication,
  SMTPServerOptions,
  SMTPServerSession,
} from 'smtp-server';
import type { Config, Listen } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { ownBuffer, type IncomingMessage } from '../ingest/protocol.js';
import type { MessageSummary } from '../store/types.js';
import type { Certificate } from './certificate.js';
import type { Chaos } from './chaos.js';
import { ImmediateSMTPServer } from './immediate-server.js';
import { smtpError, smtpReplyForStoreError } from './replies.js';

export interface SmtpListenerOptions {
  readonly config: Pick<
    Config,
    'hostname' | 'smtpAuth' | 'limits' | 'tls' | 'smtp' | 'starttls' | 'smtps'
  >;
  readonly certificate: Certificate;
  /** Parses and commits a message; the 250 waits for it. */
  readonly capture: (message: IncomingMessage) => Promise<MessageSummary>;
  readonly logger: Logger;
  /** Fault injection (--enable-chaos); each hook below is one line that asks it. */
  readonly chaos?: Chaos;
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
  readonly #servers: SMTPServer[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: SmtpListenerOptions) {
    this.#options = options;
  }

  async listen(): Promise<SmtpAddresses> {
    const { config } = this.#options;
    const smtp = await this.#start(config.smtp, 'starttls-if-configured');
    const starttls = config.starttls && (await this.#start(config.starttls, 'starttls'));
    const smtps = config.smtps && (await this.#start(config.smtps, 'implicit'));
    return { smtp, starttls, smtps };
  }

  /** Stops accepting, lets messages already in DATA finish and commit, then closes every connection. */
  async close(): Promise<void> {
    const closed = this.#servers.map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    const deadline = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
    await Promise.race([Promise.allSettled([...this.#inFlight]), deadline]);
    for (const server of this.#servers) {
      for (const connection of server.connections) {
        connection.send(421, `${this.#options.config.hostname} Service shutting down`);
        connection.close();
      }
    }
    await Promise.all(closed);
  }

  #start(address: Listen, tls: TlsOffer): Promise<AddressInfo> {
    const server = new ImmediateSMTPServer(this.#serverOptions(tls));
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
    const { config, certificate, chaos } = this.#options;
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
      maxClients: config.limits.maxConnections,
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
        callback(...this.#authenticate(auth, session));
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

  #authenticate(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
  ): [Error | null | undefined, { user: string }?] {
    const { smtpAuth } = this.#options.config;
    const user = { user: auth.username ?? '' };
    if (smtpAuth.mode === 'optional') return [null, user];
    const expected = smtpAuth.users.get(auth.username ?? '');
    const valid =
      expected !== undefined &&
      (auth.method === 'CRAM-MD5'
        ? auth.validatePassword(expected)
        : safeEqual(auth.password ?? '', expected));
    if (valid) return [null, user];
    this.#options.logger.info('authentication failed', {
      user: auth.username,
      client: session.remoteAddress,
    });
    return [smtpError(535, 'Authentication credentials invalid')];
  }

  /** Reads DATA without buffering past the size limit, commits it, and returns the 250 text. */
  async #receive(stream: Readable, session: SMTPServerSession): Promise<string> {
    const { capture, logger, config } = this.#options;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      // A copy of its own, so that it goes to the store's thread without another one, and
      // the socket's read buffer it points into is free at once.
      if (size <= config.limits.maxMessageSize) chunks.push(ownBuffer(chunk));
    }
    // Nothing is stored past the limit. rejectOversized makes smtp-server answer 552 5.3.4
    // whatever this says; the error keeps that answer from ever becoming a 250.
    if (size > config.limits.maxMessageSize) {
      throw smtpError(
        552,
        `Message exceeds the maximum size of ${config.limits.maxMessageSize} bytes`,
      );
    }
    const slowLink = this.#options.chaos?.slowLinkDelayMs(size);
    if (slowLink) await sleep(slowLink);
    try {
      // Never joined: a large message stays one copy, from here into the database.
      const message = await capture({
        raw: chunks,
        envelope: {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
        },
        client: {
          address: session.remoteAddress,
          helo: session.hostNameAppearsAs ?? '',
          authUser: typeof session.user === 'string' && session.user !== '' ? session.user : null,
          tls: session.secure,
        },
      });
      logger.debug('stored', { id: message.id, size, subject: message.subject });
      return `Ok: queued as ${message.id}`;
    } catch (error) {
      logger.error('could not store a message', { error: (error as Error).message });
      throw smtpReplyForStoreError(error);
    }
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
