import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port that was free a moment ago, for what must be told a port before it
 * starts (a server started again on the same port, a port nobody listens on). Another
 * process may take it meanwhile: prefer port 0 and the port a server reports.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
