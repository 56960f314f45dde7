import { parentPort, workerData } from 'node:worker_threads';
import { parseMessage } from '../mail/parse.js';
import { SqliteStore, type SqliteStoreOptions } from '../store/sqlite-store.js';
import type { NewMessage } from '../store/types.js';
import {
  asBuffer,
  serializeError,
  transferable,
  type IncomingMessage,
  type ThreadCall,
  type ThreadReply,
} from './protocol.js';

/**
 * The store's thread: the database, and the parsing of each new message, run here so that
 * the SMTP and HTTP thread spends its time on sockets. Started by ThreadedStore.
 */
const port = parentPort!;
const post = (reply: ThreadReply, transfer: ArrayBuffer[] = []) =>
  port.postMessage(reply, transfer);

const store = openStore();

function openStore(): SqliteStore | null {
  try {
    const opened = new SqliteStore(workerData as SqliteStoreOptions);
    opened.subscribe((event) => post({ type: 'event', event }));
    post({ type: 'ready' });
    return opened;
  } catch (error) {
    // The main thread reports it as a startup error; the thread then ends.
    post({ type: 'failed', error: serializeError(error) });
    port.close();
    return null;
  }
}

async function capture(store: SqliteStore, message: IncomingMessage) {
  const raw = asBuffer(message.raw);
  return store.addMessage({ ...message, raw, parsed: await parseMessage(raw) });
}

async function run(store: SqliteStore, call: ThreadCall): Promise<unknown> {
  const [first] = call.args;
  if (call.method === 'capture') return capture(store, first as IncomingMessage);
  if (call.method === 'addMessage') {
    const message = first as NewMessage;
    return store.addMessage({ ...message, raw: asBuffer(message.raw) });
  }
  const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(store, [...call.args]);
}

port.on('message', (call: ThreadCall) => {
  if (!store) return;
  run(store, call).then(
    (value) => {
      post(
        { type: 'result', id: call.id, value },
        value instanceof Uint8Array ? transferable(value) : [],
      );
      if (call.method === 'close') port.close();
    },
    (error: unknown) => post({ type: 'error', id: call.id, error: serializeError(error) }),
  );
});
