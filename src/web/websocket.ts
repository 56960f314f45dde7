import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hono } from 'hono';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * What a WebSocket route leaves in `c.env` to accept an upgrade. The request went through
 * the app like any other (guards, authentication, roles), so a route only gets here
 * when the chain let it through.
 */
export interface UpgradeEnv {
  accept?: (socket: WebSocket) => void;
}

/** Whether this request asks to become a WebSocket (and came through the upgrade path). */
export function isWebSocketUpgrade(env: unknown, upgrade: string | undefined): env is UpgradeEnv {
  return (
    typeof env === 'object' &&
    env !== null &&
    'upgrading' in env &&
    upgrade?.toLowerCase() === 'websocket'
  );
}

/**
 * Node's `upgrade` event for @hono/node-server: the request is answered by the Hono app;
 * when a route accepted it, the socket becomes a WebSocket, else the app's answer (401,
 * 403, 404) is written to the socket and it is closed.
 */
export function webSocketUpgrades(app: Hono) {
  const server = new WebSocketServer({ noServer: true });
  async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // `incoming`, as @hono/node-server sets it, so that sign-in knows the client's address.
    const env: UpgradeEnv & { upgrading: true; incoming: IncomingMessage } = {
      upgrading: true,
      incoming: request,
    };
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
    const response = await app.fetch(new Request(url, { headers }), env);
    const accept = env.accept;
    if (response.ok && accept) {
      server.handleUpgrade(request, socket, head, (ws) => accept(ws));
      return;
    }
    const body = Buffer.from(response.ok ? 'Not a WebSocket route\n' : await response.text());
    const lines = [
      `HTTP/1.1 ${response.ok ? 404 : response.status} ${response.statusText || 'Error'}`,
    ];
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'connection') lines.push(`${name}: ${value}`);
    });
    lines.push(`content-length: ${body.length}`, 'connection: close', '', '');
    socket.end(Buffer.concat([Buffer.from(lines.join('\r\n')), body]));
  }
  return {
    handle(request: IncomingMessage, socket: Duplex, head: Buffer): void {
      socket.on('error', () => socket.destroy());
      upgrade(request, socket, head).catch(() => socket.destroy());
    },
    /** Ends every open WebSocket (server shutdown). */
    close(): void {
      for (const client of server.clients) client.terminate();
      server.close();
    },
  };
}
