import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { Admission } from './admission.js';
import { SluiceConnection, type ConnectionPolicy } from './connection.js';

export interface SessionLimits {
  readonly maxConnections: number;
  /** A command line must arrive whole within this, from its first byte. */
  readonly commandTimeoutMs: number;
  /** DATA must average at least this many bytes per second, after `dataGraceMs`. */
  readonly minDataRate: number;
  readonly dataGraceMs: number;
}

export interface SluiceServerOptions {
  readonly limits: SessionLimits;
  /** Why a new DATA must wait (the in-flight budget is spent), or null. */
  readonly refuseData: () => string | null;
  readonly refused: (connection: SluiceConnection, code: number, text: string) => void;
}

/** How often the deadlines are looked at; a deadline is kept to within this. */
const SWEEP_MS = 1_000;

/**
 * smtp-server with Sluice's connections (connection.ts): an immediate greeting, slots that
 * closing sessions do not hold and stalled ones give up (admission.ts), and deadlines that
 * an idle timer reset by every byte cannot give (issue 12): a whole command line within
 * --smtp-command-timeout, and DATA at --smtp-min-data-rate at least.
 */
export class SluiceSmtpServer extends SMTPServer {
  readonly policy: ConnectionPolicy;
  readonly #admission: Admission;
  readonly #limits: SessionLimits;
  readonly #sweeper: NodeJS.Timeout;
  /** When each session was first seen inside an unfinished command line. */
  readonly #partialSince = new WeakMap<SluiceConnection, number>();

  constructor(options: SMTPServerOptions, sluice: SluiceServerOptions) {
    super(options);
    this.#limits = sluice.limits;
    this.#admission = new Admission({ maxConnections: sluice.limits.maxConnections });
    this.policy = {
      admit: (connection) => this.#admission.admit(connection),
      released: (connection) => this.#admission.released(connection),
      refuseData: sluice.refuseData,
      refused: sluice.refused,
    };
    this.#sweeper = setInterval(() => this.#enforceDeadlines(), SWEEP_MS);
    this.#sweeper.unref();
  }

  override connect(
    socket: Socket,
    socketOptions?: ConstructorParameters<typeof SMTPConnection>[2],
  ) {
    const connection = new SluiceConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this.emit('error', err));
    connection.on('connect', (data: unknown) => this.emit('connect', data));
    connection.init();
  }

  /** The sessions holding a slot now. */
  get sessions(): ReadonlySet<SluiceConnection> {
    return this.#admission.admitted;
  }

  /**
   * Stops greeting: connections waiting for a slot are refused, and every session that is
   * not in DATA is closed now; those in DATA are left to finish (the listener closes them).
   */
  closeIdle(): void {
    clearInterval(this.#sweeper);
    this.#admission.close();
    for (const session of [...this.sessions]) {
      if (!session.inData) session.cut('Service shutting down');
    }
  }

  #enforceDeadlines(): void {
    const now = performance.now();
    const { commandTimeoutMs, minDataRate, dataGraceMs } = this.#limits;
    for (const session of [...this.sessions]) {
      if (session.receivingData) {
        const due = session.dataStartedAt + dataGraceMs + (session.dataBytes / minDataRate) * 1000;
        if (now > due) session.cut(`DATA slower than ${minDataRate} bytes per second, closing`);
      } else if (session.midLine) {
        let since = this.#partialSince.get(session);
        // A line that began after the last one seen unfinished (a command came in between).
        if (since === undefined || session.lastCommandAt > since) {
          since = now;
          this.#partialSince.set(session, since);
        }
        if (now - since > commandTimeoutMs) {
          session.cut(`Command line not completed within ${commandTimeoutMs / 1000} s, closing`);
        }
      } else {
        this.#partialSince.delete(session);
      }
    }
  }
}
