import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * A plain HTTP server on 127.0.0.1 that stands in for an attacker's: it records every
 * request path, answers pages registered with `serve()`, a 1×1 GIF under /hit/ and 404
 * to the rest.
 */
export class Listener {
  readonly hits: string[] = [];
  #pages = new Map<string, { type: string; body: string }>();
  #server: Server;
  #url = '';

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<Listener> {
    const server = createServer();
    const listener = new Listener(server);
    server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const page = listener.#pages.get(path);
      if (page) {
        res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' });
        res.end(page.body);
        return;
      }
      listener.hits.push(path);
      // Tracking URLs get their pixel; anything else (img src="x") fails as it would online.
      if (!path.startsWith('/hit/')) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-store' });
      res.end(GIF);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    listener.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return listener;
  }

  get url(): string {
    return this.#url;
  }

  serve(path: string, type: string, body: string): string {
    this.#pages.set(path, { type, body });
    return this.#url + path;
  }

  hitsUnder(prefix: string): string[] {
    return this.hits.filter((path) => path.startsWith(prefix));
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
