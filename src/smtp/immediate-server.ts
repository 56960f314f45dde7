import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/**
 * smtp-server holds every new connection for 100 ms before its greeting, to catch
 * spammers that talk early. A capture server has no spammers, and a client that opens a
 * connection per message (Django's send_mail) would pay that on every message.
 *
 * This connection skips only that timer: `init()` does what the library's does (socket
 * listeners, implicit-TLS handshake, the maxClients check) and then greets at once.
 * It reaches two library internals, `_setListeners` and `_getEnhancedStatusCode`; the
 * pinned version is guarded by test/smtp/greeting.test.ts, which fails if either changes.
 */
class ImmediateConnection extends SMTPConnection {
  override init(): void {
    this._setListeners(() => {
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        this.close();
        return;
      }
      this.connectionReady();
    });
  }

  /** RFC 3463: a queued message is "2.0.0" (as Postfix says it), not the library's "2.6.0". */
  override _getEnhancedStatusCode(code: number, context?: string | false): string {
    return context === 'DATA_OK' ? '2.0.0' : super._getEnhancedStatusCode(code, context);
  }
}

export class ImmediateSMTPServer extends SMTPServer {
  override connect(
    socket: Socket,
    socketOptions?: ConstructorParameters<typeof SMTPConnection>[2],
  ): void {
    const connection = new ImmediateConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this.emit('error', err));
    connection.on('connect', (data: unknown) => this.emit('connect', data));
    connection.init();
  }
}
