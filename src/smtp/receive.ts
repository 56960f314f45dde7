import type { Readable } from 'node:stream';
import type { SMTPServerSession } from 'smtp-server';
import { ownBuffer, type IncomingMessage } from '../ingest/protocol.js';
import { PIECE_BYTES } from '../store/raw-pieces.js';
import type { MessageSummary } from '../store/types.js';
import type { InflightBudget } from './inflight-budget.js';
import { smtpError } from './replies.js';

/** Where received mail goes: the store's writer thread (ThreadedStore). */
export interface IngestPort {
  /** Parses and commits a message; the 250 waits for it. */
  capture(message: IncomingMessage): Promise<MessageSummary>;
  /** Writes the next bytes of a message still in DATA; `key` null starts one. */
  stageRaw(key: number | null, chunks: readonly Buffer[]): Promise<number>;
  discardStaged(key: number): Promise<void>;
  /** False when the port cannot stage: every message then goes whole to `capture`. */
  readonly stagesLargeMessages: boolean;
}

export interface ReceiveOptions {
  readonly ingest: IngestPort;
  readonly budget: InflightBudget;
  readonly maxMessageSize: number;
  /** Hears of each DATA's size once it has all arrived, within the limit or not (metrics). */
  readonly read?: (size: number) => void;
  /** Runs once the whole message is in, before it is committed (a chaos hook). */
  readonly beforeCommit?: (size: number) => Promise<void>;
}

/**
 * Bytes gathered before they are written as a staged piece: a message larger than this
 * goes to the database while it arrives, so that it is never held whole (issue 12: 20
 * concurrent 50 MB messages held 3.67 GB). A session holds at most two: one being written,
 * one filling. Smaller messages, nearly all of them, go whole to `capture`.
 */
const STAGE_BYTES = PIECE_BYTES;

/** Reads one message's DATA, staging large ones as they arrive, and commits it. */
export async function receiveMessage(
  stream: Readable,
  session: SMTPServerSession,
  options: ReceiveOptions,
): Promise<MessageSummary> {
  const staging = new Staging(options);
  try {
    let size = 0;
    await readChunks(stream, (chunk) => {
      size += chunk.length;
      // Past the limit nothing more is kept; smtp-server answers 552 (rejectOversized).
      return size <= options.maxMessageSize ? staging.add(chunk) : undefined;
    });
    options.read?.(size);
    // The error keeps a message over the limit from ever becoming a 250.
    if (size > options.maxMessageSize) {
      throw smtpError(552, `Message exceeds the maximum size of ${options.maxMessageSize} bytes`);
    }
    const bytes = await staging.finish();
    await options.beforeCommit?.(size);
    return await options.ingest.capture({
      ...bytes,
      envelope: {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
      },
      client: {
        address: session.remoteAddress,
        helo: session.hostNameAppearsAs ?? '',
        authUser: typeof session.user === 'string' && session.user !== '' ? session.user : null,
        tls: session.secure,
      },
    });
  } catch (error) {
    staging.abandon();
    throw error;
  } finally {
    staging.release();
  }
}

/**
 * Feeds each chunk of `stream` to `take`, pausing the stream while what `take` returns is
 * pending. Events, not `for await`: an async iterator per message was a tenth of what the
 * SMTP thread allocated for a small one, and nearly every message needs no waiting.
 */
function readChunks(
  stream: Readable,
  take: (chunk: Buffer) => Promise<void> | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      const waiting = take(chunk);
      if (!waiting) return;
      stream.pause();
      waiting.then(() => stream.resume(), reject);
    });
    stream.once('end', resolve);
    // smtp-server destroys the stream with an error when the client goes away mid-DATA.
    stream.once('error', reject);
  });
}

/** The bytes of one message on their way to the store, counted against the budget. */
class Staging {
  readonly #options: ReceiveOptions;
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** The piece being written, resolving to the staging key. */
  #writing: Promise<number> | null = null;
  #key: number | null = null;
  /** Why staging stopped; the rest of DATA is read and dropped, and this is the answer. */
  #failed: { error: unknown } | null = null;

  constructor(options: ReceiveOptions) {
    this.#options = options;
  }

  /** Takes a chunk; returns a promise only when a piece is being staged and must be waited for. */
  add(chunk: Buffer): Promise<void> | undefined {
    if (this.#failed) return;
    // A copy of its own, so that it goes to the store's thread without another one, and
    // the socket's read buffer it points into is free at once.
    const owned = ownBuffer(chunk);
    this.#options.budget.take(owned.length);
    this.#chunks.push(owned);
    this.#bytes += owned.length;
    const stages = this.#options.ingest.stagesLargeMessages;
    return stages && this.#bytes >= STAGE_BYTES ? this.#stage() : undefined;
  }

  /** What `capture` needs: the bytes not staged, and the staging key if any were. */
  async finish(): Promise<Pick<IncomingMessage, 'raw' | 'staged'>> {
    if (this.#failed) throw this.#failed.error;
    if (this.#writing) this.#key = await this.#writing;
    this.#writing = null;
    return { raw: this.#chunks, ...(this.#key === null ? {} : { staged: this.#key }) };
  }

  /** The message will not be stored: what was staged for it is removed. */
  abandon(): void {
    const writing = this.#writing ?? Promise.resolve(this.#key);
    void writing
      // A piece that failed was not written (one transaction each); those before it were.
      .catch(() => this.#key)
      .then((key) => (key === null ? undefined : this.#options.ingest.discardStaged(key)))
      // A store that stopped has removed it already, or will when it opens again.
      .catch(() => {});
  }

  /** The bytes still counted are free: committed with the message, or dropped. */
  release(): void {
    this.#options.budget.give(this.#bytes);
    this.#bytes = 0;
    this.#chunks = [];
  }

  /** One piece in flight: the next waits for the last, so a slow disk slows the socket. */
  async #stage(): Promise<void> {
    try {
      if (this.#writing) this.#key = await this.#writing;
    } catch (error) {
      // Answered once DATA is over: a reply in the middle of it would confuse the client.
      this.#failed = { error };
      this.release();
      return;
    }
    const chunks = this.#chunks;
    const bytes = this.#bytes;
    this.#chunks = [];
    this.#bytes = 0;
    const { budget, ingest } = this.#options;
    // Counted until written; handed over (transferred) to the thread now.
    const written = ingest.stageRaw(this.#key, chunks);
    this.#writing = written.finally(() => budget.give(bytes));
    // Failing now or at the next piece are alike; this keeps it from going unhandled.
    this.#writing.catch(() => {});
  }
}
