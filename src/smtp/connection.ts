import type { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { SMTPStream } from 'smtp-server/lib/smtp-stream.js';

/** What the server (server.ts) decides for its connections. */
export interface ConnectionPolicy {
  /** A new connection is ready: greet it, hold it for a free slot, or refuse it. */
  admit(connection: SluiceConnection): void;
  /** The connection no longer holds a slot (closed by either side). */
  released(connection: SluiceConnection): void;
  /** Why a new DATA must wait (the in-flight budget is spent), or null. */
  refuseData(): string | null;
  /** Every reply of 400 or more, for the log. */
  refused(connection: SluiceConnection, code: number, text: string): void;
}

/**
 * How long the socket of a connection the server closes (a shutdown, a cut) may stay open
 * after its last reply, for the client to read it: past it, the socket is destroyed, not
 * left to the library's 5 s wait for the client's side (issue 10: shutdown took 5 s).
 */
const LINGER_MS = 250;

/**
 * smtp-server's connection with Sluice's policy in the places the library leaves none:
 *
 * - The greeting is immediate: the library holds every new connection for 100 ms to catch
 *   spammers that talk early; a capture server has none, and a client that opens a
 *   connection per message (Django's send_mail) would pay that on every message. The
 *   greeting waits only for a slot (ConnectionPolicy.admit).
 * - It records when the client last made progress (a command, DATA bytes), which the
 *   server's deadlines and its choice of a connection to give way read.
 * - DATA is refused 451 4.3.1 while the in-flight budget is spent; replies of 400 and more
 *   are reported; a queued message is "2.0.0".
 *
 * It reaches library internals (`_setListeners`, `_onCommand`, `handler_DATA`, `_onClose`,
 * `_createParser`, `_getEnhancedStatusCode`, the parser's `_remainder`, `_dataMode` and
 * `_countDataBytes`); the pinned version is guarded by test/smtp/greeting.test.ts and
 * test/smtp/deadlines.test.ts, which fail if they change.
 */
export class SluiceConnection extends SMTPConnection {
  /** performance.now() of the last complete command (or of the connect). */
  declare lastCommandAt: number;
  /** performance.now() of the last DATA bytes, and of the DATA command. */
  declare lastDataAt: number;
  declare dataStartedAt: number;

  get #policy(): ConnectionPolicy {
    return (this._server as SMTPServer & { policy: ConnectionPolicy }).policy;
  }

  override init(): void {
    this.lastCommandAt = performance.now();
    this._setListeners(() => this.#policy.admit(this));
  }

  /** Sends the greeting; called by the server once the connection has a slot. */
  greet(): void {
    this.lastCommandAt = performance.now();
    this.connectionReady();
  }

  /** Whether it is in DATA: receiving the message, or waiting for it to be committed. */
  get inData(): boolean {
    return Boolean(this._dataStream);
  }

  /** Whether the client has sent part of a command line and not its end. */
  get midLine(): boolean {
    const parser = this._parser;
    return Boolean(parser && !parser._dataMode && parser._remainder.length > 0);
  }

  /** Whether the message is still arriving (DATA bytes before the final dot). */
  get receivingData(): boolean {
    const parser = this._parser;
    return Boolean(parser && parser._dataMode);
  }

  /** Whether the client waits for the server (a handler, or the commit before a 250). */
  get waitingOnServer(): boolean {
    return this._handlerPending || (this.inData && !this.receivingData);
  }

  /** DATA bytes received so far in this message. */
  get dataBytes(): number {
    return this._parser ? this._parser.dataBytes : 0;
  }

  /** Ends the session with a 421 4.4.2 and `reason`. */
  cut(reason: string): void {
    this.send(421, `${this.name} ${reason}`, 'CONNECTION_TIMEOUT');
    this.closeSoon();
  }

  /** Closes, and destroys the socket if the client has not closed its side soon after. */
  closeSoon(): void {
    this.close();
    const socket = this._socket;
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    this.lastCommandAt = performance.now();
    super._onCommand(command, callback);
  }

  override handler_DATA(command: Buffer, callback: () => void): void {
    const refusal = this.session.envelope.rcptTo.length ? this.#policy.refuseData() : null;
    if (refusal) {
      // Before the 354: the client keeps the message and tries again later (RFC 5321 4.2.5).
      this.send(451, refusal, 'SYSTEM_FULL');
      return callback();
    }
    this.dataStartedAt = this.lastDataAt = performance.now();
    super.handler_DATA(command, callback);
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (code >= 400) {
      this.#policy.refused(this, code, Array.isArray(data) ? data.join(' ') : (data ?? ''));
    }
    super.send(code, data, context);
  }

  override close(): void {
    super.close();
    this.#policy.released(this);
  }

  override _onClose(): void {
    super._onClose();
    this.#policy.released(this);
  }

  /** Each parser (a new one after STARTTLS) reports DATA progress. */
  override _createParser(): SMTPStream {
    const parser = super._createParser();
    const count = parser._countDataBytes.bind(parser);
    parser._countDataBytes = (length: number) => {
      count(length);
      if (length > 0) this.lastDataAt = performance.now();
    };
    return parser;
  }

  /** RFC 3463: a queued message is "2.0.0" (as Postfix says it), not the library's "2.6.0". */
  override _getEnhancedStatusCode(code: number, context?: string | false): string {
    return context === 'DATA_OK' ? '2.0.0' : super._getEnhancedStatusCode(code, context);
  }
}
