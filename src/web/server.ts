import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Listen } from '../config/config.js';
import { webSocketUpgrades } from './websocket.js';

export interface HttpServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

export function startHttpServer(app: Hono, listen: Listen): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: listen.port, hostname: listen.host }) as Server;
    const webSockets = webSocketUpgrades(app);
    server.on('upgrade', webSockets.handle);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve({
        address: server.address() as AddressInfo,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            webSockets.close();
            // Event streams and keep-alive sockets would hold the close open forever.
            server.closeAllConnections();
          }),
      });
    });
  });
}
