import { connect, type Socket } from 'node:net';

/** A bare SMTP connection for the load suite: replies are read as they come, codes only. */
export class WireClient {
  readonly socket: Socket;
  #buffer = '';
  #waiters: Array<(code: number | null) => void> = [];
  #codes: number[] = [];
  #closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (;;) {
        const match = /^(\d{3})([ -])[^\n]*\n/.exec(this.#buffer);
        if (!match) break;
        this.#buffer = this.#buffer.slice(match[0].length);
        if (match[2] === ' ') this.#deliver(Number(match[1]));
      }
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const waiter of this.#waiters.splice(0)) waiter(null);
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next reply's code; null when the connection closed first. */
  reply(): Promise<number | null> {
    const code = this.#codes.shift();
    if (code !== undefined) return Promise.resolve(code);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async command(line: string): Promise<number | null> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  destroy(): void {
    this.socket.destroy();
  }

  #deliver(code: number): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(code);
    else this.#codes.push(code);
  }
}

/** One small message on a fresh connection; the time from connect to its 250, or null. */
export async function timedMessage(port: number, subject: string): Promise<number | null> {
  const started = performance.now();
  const client = await WireClient.open(port);
  try {
    const codes = [
      await client.reply(),
      await client.command('EHLO normal.bench.example'),
      await client.command('MAIL FROM:<normal@bench.example>'),
      await client.command('RCPT TO:<inbox@bench.example>'),
      await client.command('DATA'),
      await client.command(`Subject: ${subject}\r\n\r\nA normal client.\r\n.`),
    ];
    const ok = codes.join(',') === '220,250,250,250,354,250';
    client.socket.write('QUIT\r\n');
    return ok ? performance.now() - started : null;
  } finally {
    client.destroy();
  }
}

/**
 * Connections that trickle one byte of a command line every `intervalMs` (a slowloris),
 * reconnecting when the server closes one, until stop().
 */
export function slowloris(port: number, connections: number, intervalMs: number) {
  let stopped = false;
  const clients = new Set<WireClient>();
  let reconnects = 0;
  const hold = async (): Promise<void> => {
    while (!stopped) {
      const client = await WireClient.open(port).catch(() => null);
      if (!client) continue;
      clients.add(client);
      await client.reply();
      const trickle = setInterval(() => client.socket.write('E'), intervalMs);
      client.socket.write('E');
      await new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
      clearInterval(trickle);
      clients.delete(client);
      if (!stopped) reconnects++;
    }
  };
  const running = Promise.all(Array.from({ length: connections }, hold));
  return {
    get reconnects() {
      return reconnects;
    },
    async stop(): Promise<void> {
      stopped = true;
      for (const client of clients) client.destroy();
      await running;
    },
  };
}
