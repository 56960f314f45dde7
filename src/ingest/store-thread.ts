import { parentPort, workerData } from 'node:worker_threads';
import { parseMessage, readPart } from '../mail/parse.js';
import { compileDecide } from '../relay/decide.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteReader } from '../store/sqlite-reader.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { MessageId, NewMessage } from '../store/types.js';
import {
  asBuffers,
  ownsMemory,
  ReplyBatch,
  type IncomingMessage,
  type PartSelector,
  type ThreadCall,
  type ThreadData,
  type ThreadLog,
  type ThreadReply,
} from './protocol.js';
import { serializeError } from './thread-errors.js';

/**
 * One of the store's threads (ThreadedStore starts them). The writer owns the database and
 * parses each new message, so that the SMTP and HTTP thread spends its time on sockets; a
 * reader answers the inbox's reads beside it, over a read-only connection.
 */
const port = parentPort!;
const { role, store: threadOptions } = workerData as ThreadData;
const { relayRules, ...options } = threadOptions;
const decide = compileDecide(relayRules ?? null);
const replies = new ReplyBatch((batch, transfer) => port.postMessage(batch, transfer));
const post = (reply: ThreadReply, transfer: ArrayBuffer[] = []) => replies.post(reply, transfer);
const log = (entry: ThreadLog) => post({ type: 'log', log: entry });

// A promise nobody awaited would end the thread, and every message would be refused until
// it restarted: say what it was, and keep serving (issue 10).
process.on('unhandledRejection', (reason) =>
  log({ level: 'error', message: 'unhandled rejection', error: serializeError(reason) }),
);

/** The writer's engine: SQLite in this thread, or a PostgreSQL pool shared with other instances. */
type Writer = SqliteStore | PostgresStore;
type Served = { store: Writer; reader?: never } | { reader: SqliteReader; store?: never };
/** Undefined while the database opens (PostgreSQL connects); calls wait for it, in order. */
let served: Served | null | undefined;
const waiting: ThreadCall[] = [];
void open().then((opened) => {
  served = opened;
  for (const call of waiting.splice(0)) if (opened) serve(opened, call);
});

async function open(): Promise<Served | null> {
  try {
    const opened: Served =
      role === 'writer'
        ? { store: await openWriter() }
        : { reader: SqliteReader.open(sqlitePath()) };
    post({ type: 'ready' });
    return opened;
  } catch (error) {
    // The main thread reports it (a startup error, or a restart that failed); the thread ends.
    post({ type: 'failed', error: serializeError(error) });
    replies.flush();
    port.close();
    return null;
  }
}

async function openWriter(): Promise<Writer> {
  const store =
    options.engine === 'postgres'
      ? await PostgresStore.open(options)
      : new SqliteStore(options, {
          onBackgroundError: (what, error) =>
            log({ level: 'error', message: `${what} failed`, error: serializeError(error) }),
        });
  store.subscribe((event) => post({ type: 'event', event }));
  return store;
}

/** ThreadedStore starts a reader only for a SQLite file: PostgreSQL's writer pool serves reads. */
function sqlitePath(): string {
  if (options.engine !== 'sqlite') throw new Error('a reader thread serves SQLite only');
  return options.path;
}

async function capture(store: Writer, message: IncomingMessage) {
  const tail = asBuffers(message.raw);
  if (message.staged === undefined) {
    return store.addMessage(decided({ ...message, raw: tail, parsed: await parseMessage(tail) }));
  }
  const parsed = await parseMessage(store.stagedSource(message.staged, tail));
  return store.addMessage(decided({ ...message, raw: tail, parsed, staged: message.staged }));
}

/**
 * The message with the relay rules' decision, unless it brings its own: stored with it in
 * one transaction, so a message is never kept without its decision (see decide.ts).
 */
function decided<M extends NewMessage>(message: M): M {
  if (message.outbox) return message;
  return { ...message, outbox: decide({ envelope: message.envelope, ...message.parsed }) };
}

/** A part's content, decoded here so that a large attachment is never parsed on the SMTP thread. */
async function part(source: Writer | SqliteReader, id: MessageId, selector: PartSelector) {
  return readPart(await source.getRaw(id), selector);
}

async function runWriter(store: Writer, call: ThreadCall): Promise<unknown> {
  const [first, second] = call.args;
  switch (call.method) {
    case 'capture':
      return capture(store, first as IncomingMessage);
    case 'readPart':
      return part(store, first as MessageId, second as PartSelector);
    case 'stageRaw':
      return store.stageRaw(first as number | null, asBuffers(second as Buffer[]));
    case 'addMessage': {
      const message = first as NewMessage;
      return store.addMessage(decided({ ...message, raw: asBuffers(message.raw) }));
    }
  }
  const method = store[call.method as keyof Writer] as (...args: unknown[]) => unknown;
  return method.apply(store, [...call.args]);
}

async function runReader(reader: SqliteReader, call: ThreadCall): Promise<unknown> {
  const [first, second] = call.args;
  switch (call.method) {
    case 'readPart':
      return part(reader, first as MessageId, second as PartSelector);
    case 'listMessages':
    case 'listMessagesAfter':
    case 'getMessage':
    case 'getRaw':
    case 'stats':
    case 'close': {
      const method = reader[call.method] as (...args: unknown[]) => unknown;
      return method.apply(reader, [...call.args]);
    }
  }
  throw new Error(`the reader thread does not serve ${call.method}`);
}

/** The bytes in a result (getRaw's, a part's content) go back without a copy. */
function bytesOf(value: unknown): Buffer | null {
  if (Buffer.isBuffer(value)) return value;
  const content = (value as { content?: unknown } | null)?.content;
  return Buffer.isBuffer(content) ? content : null;
}

port.on('message', (calls: readonly ThreadCall[]) => {
  for (const call of calls) {
    if (served === undefined) waiting.push(call);
    else if (served) serve(served, call);
  }
});

function serve(served: Served, call: ThreadCall): void {
  const running = served.store ? runWriter(served.store, call) : runReader(served.reader, call);
  running.then(
    (value) => {
      const bytes = bytesOf(value);
      // Bytes that share their memory (Node's pool) are copied by postMessage instead.
      const transfer = bytes && ownsMemory(bytes) ? [bytes.buffer as ArrayBuffer] : [];
      post({ type: 'result', id: call.id, value }, transfer);
      if (call.method === 'close') {
        replies.flush();
        port.close();
      }
    },
    (error: unknown) => post({ type: 'error', id: call.id, error: serializeError(error) }),
  );
}
