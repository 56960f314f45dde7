import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRawTransport } from '../mail/smtp-send.js';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** What the receiver answered. */
  readonly status: number;
}

/**
 * A real HTTP receiver on loopback, written as a user's would be: it checks the
 * Sluice-Signature header itself (HMAC-SHA256 over "t.body", constant-time compare).
 */
export class TestReceiver {
  readonly received: Received[] = [];
  /** The status it answers with; change it to make deliveries fail. */
  status = 200;
  /** After accepting this many deliveries (2xx) it answers 503: a backlog that stays put. */
  acceptLimit = Infinity;
  /** Leaves this many more requests unanswered (recorded with status 0): a receiver that hangs. */
  unanswered = 0;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async listen(port = 0): Promise<TestReceiver> {
    const server = createServer();
    const receiver = new TestReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (receiver.unanswered > 0) {
          receiver.unanswered--;
          receiver.received.push({
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            status: 0,
          });
          return;
        }
        const accepted = receiver.acceptedIds().length;
        const status = accepted >= receiver.acceptLimit ? 503 : receiver.status;
        receiver.received.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status,
        });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Message ids of the deliveries it answered with 2xx, in arrival order. */
  acceptedIds(): number[] {
    return this.received
      .filter((r) => r.status >= 200 && r.status < 300)
      .map((r) => (JSON.parse(r.body) as { id: number }).id);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** The receiver side of the signature, independent of Sluice's own code. */
export function signatureIsValid(secret: string, received: Received): boolean {
  const header = String(received.headers['sluice-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${received.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

/** Sends `count` small messages over one pooled nodemailer connection. */
export async function sendMessages(
  smtpPort: number,
  count: number,
  to = (i: number) => `user${i}@example.com`,
): Promise<void> {
  const transport = createRawTransport(smtpPort, true);
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        transport.sendMail({
          envelope: { from: 'app@example.com', to: [to(i)] },
          raw: `From: app@example.com\r\nTo: ${to(i)}\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`,
        }),
      ),
    );
  } finally {
    transport.close();
  }
}
