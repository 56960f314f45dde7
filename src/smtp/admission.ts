import type { SluiceConnection } from './connection.js';

export interface AdmissionOptions {
  readonly maxConnections: number;
}

/**
 * A connection that arrives when every slot is taken waits this long for one to be freed
 * before it is refused. A client that reconnects for each message often opens the next
 * connection before the server has read the end of the last one (nodemailer writes QUIT and
 * closes at once): that closing session must not count (issue 12: 200 such clients at the
 * default limit got 1,843 refusals in 18,300 attempts).
 */
const SLOT_WAIT_MS = 250;
/** Connections waiting for a slot, at most; past it a new one is refused at once. */
const MAX_WAITING = 1000;
/**
 * At the limit, a session the client has left stalled this long gives its slot to the new
 * connection: one stuck inside a command line or behind its DATA (a slowloris trickling a
 * byte every 20 s held every slot for 75 s, issue 12)...
 */
const STALLED_MS = 1_000;
/** ...or idle between commands this long (an idle pooled connection reconnects when needed). */
const IDLE_MS = 10_000;

/**
 * The --max-connections slots. A new connection is greeted when a slot is free; otherwise
 * it takes the slot of the session stalled longest (see above), or waits briefly for one,
 * or is refused with 421.
 */
export class Admission {
  readonly #options: AdmissionOptions;
  readonly #admitted = new Set<SluiceConnection>();
  readonly #waiting = new Map<SluiceConnection, NodeJS.Timeout>();
  #closed = false;

  constructor(options: AdmissionOptions) {
    this.#options = options;
  }

  /** The sessions holding a slot. */
  get admitted(): ReadonlySet<SluiceConnection> {
    return this.#admitted;
  }

  admit(connection: SluiceConnection): void {
    if (this.#closed) return refuse(connection, 'Service shutting down');
    while (this.#admitted.size >= this.#options.maxConnections) {
      const stalled = this.#mostStalled();
      if (!stalled) return this.#wait(connection);
      stalled.cut('Stalled while the server is full, closing to make room');
    }
    this.#greet(connection);
  }

  released(connection: SluiceConnection): void {
    const timer = this.#waiting.get(connection);
    if (timer) {
      clearTimeout(timer);
      this.#waiting.delete(connection);
    }
    if (this.#admitted.delete(connection)) this.#admitWaiting();
  }

  /** No more greetings: connections waiting for a slot are refused. */
  close(): void {
    this.#closed = true;
    for (const connection of [...this.#waiting.keys()]) {
      refuse(connection, 'Service shutting down');
    }
  }

  #greet(connection: SluiceConnection): void {
    this.#admitted.add(connection);
    connection._socket.resume();
    connection.greet();
  }

  #wait(connection: SluiceConnection): void {
    if (this.#waiting.size >= MAX_WAITING) return refuse(connection);
    // Nothing is read until the greeting: a client that talks first is not "too soon".
    connection._socket.pause();
    const timer = setTimeout(() => refuse(connection), SLOT_WAIT_MS);
    timer.unref();
    this.#waiting.set(connection, timer);
  }

  #admitWaiting(): void {
    for (const [connection, timer] of this.#waiting) {
      if (this.#admitted.size >= this.#options.maxConnections) return;
      clearTimeout(timer);
      this.#waiting.delete(connection);
      this.#greet(connection);
    }
  }

  /** The session whose client has made no progress for longest, if past the bounds above. */
  #mostStalled(): SluiceConnection | null {
    const now = performance.now();
    let found: SluiceConnection | null = null;
    let longest = 0;
    for (const connection of this.#admitted) {
      const stalled = stalledFor(connection, now);
      if (stalled > longest) {
        found = connection;
        longest = stalled;
      }
    }
    return found;
  }
}

/** How long past its bound the client has left the session stalled; 0 when it has not. */
function stalledFor(connection: SluiceConnection, now: number): number {
  if (connection.waitingOnServer) return 0;
  if (connection.receivingData) return Math.max(0, now - connection.lastDataAt - STALLED_MS);
  const since = now - connection.lastCommandAt;
  return Math.max(0, since - (connection.midLine ? STALLED_MS : IDLE_MS));
}

function refuse(connection: SluiceConnection, text = 'Too many connected clients'): void {
  connection.send(421, `${connection.name} ${text}, try again in a moment`, false);
  connection.closeSoon();
}
