import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Listen } from '../config/config.js';
import type { WebConfig } from '../config/web.js';
import { webSocketUpgrades } from './websocket.js';

export interface HttpServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** Listens with plain HTTP, or HTTPS when a certificate and key are configured. */
export function startHttpServer(
  app: Hono,
  listen: Listen,
  tls: WebConfig['tls'] = null,
): Promise<HttpServer> {
  const https = tls && {
    createServer: createHttpsServer,
    serverOptions: {
      cert: readPem(tls.certFile, 'http-tls-cert'),
      key: readPem(tls.keyFile, 'http-tls-key'),
    },
  };
  return new Promise((resolve, reject) => {
    const server = serve({
      fetch: app.fetch,
      port: listen.port,
      hostname: listen.host,
      ...https,
    }) as Server;
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

function readPem(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `--${option}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
}
