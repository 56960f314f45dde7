import { connect, type Socket } from 'node:net';

/**
 * An SMTP client that can walk away at any point: with a FIN (`socket.end()`, a client
 * that closes its socket) or a RST (`resetAndDestroy()`, a client that crashed or a
 * network that dropped it). Only counts reply codes; RawSmtp does full conversations.
 */
export class AbortClient {
  readonly #socket: Socket;
  #text = '';
  #codes: number[] = [];
  #closed = false;
  #wake: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#text += chunk;
      // A final reply line is "250 text" (a continuation is "250-text").
      for (let end = this.#text.indexOf('\n'); end >= 0; end = this.#text.indexOf('\n')) {
        const line = this.#text.slice(0, end);
        this.#text = this.#text.slice(end + 1);
        const match = /^(\d{3})(?: |\r?$)/.exec(line);
        if (match) this.#codes.push(Number(match[1]));
      }
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<AbortClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new AbortClient(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Waits until `count` more replies arrived and returns their codes. */
  async replies(count: number, timeoutMs = 5000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#codes.length < count) {
      if (this.#closed) throw new Error(`closed after replies ${this.#codes.join(' ')}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`only replies ${this.#codes.join(' ')} in time`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.#codes.splice(0, count);
  }

  /** Sends a command and expects one reply with `code`. */
  async command(line: string, code: number): Promise<void> {
    this.write(line + '\r\n');
    const [got] = await this.replies(1);
    if (got !== code) throw new Error(`${line}: expected ${code}, got ${got}`);
  }

  abort(how: 'fin' | 'rst'): void {
    if (how === 'fin') this.#socket.end();
    else this.#socket.resetAndDestroy();
  }
}
