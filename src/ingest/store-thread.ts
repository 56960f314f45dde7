import { parentPort, workerData } from 'node:worker_threads';
import { parseMessage, readPart } from '../mail/parse.js';
import { compileDecide } from '../relay/decide.js';
import { openStore } from '../store/open-store.js';
import type { MessageId, NewMessage, Store } from '../store/types.js';
import {
  asBuffers,
  ownsMemory,
  ReplyBatch,
  serializeError,
  type IncomingMessage,
  type PartSelector,
  type StoreThreadOptions,
  type ThreadCall,
  type ThreadReply,
} from './protocol.js';

/**
 * The store's thread: the database, and the parsing of each new message, run here so that
 * the SMTP and HTTP thread spends its time on sockets. Started by ThreadedStore.
 */
const port = parentPort!;
const replies = new ReplyBatch((batch, transfer) => port.postMessage(batch, transfer));
const post = (reply: ThreadReply, transfer: ArrayBuffer[] = []) => replies.post(reply, transfer);

const { relayRules, ...storeOptions } = workerData as StoreThreadOptions;
const decide = compileDecide(relayRules ?? null);
// Calls that arrive while the database opens wait for it, in order.
const opening = open();

async function open(): Promise<Store | null> {
  try {
    const opened = await openStore(storeOptions);
    opened.subscribe((event) => post({ type: 'event', event }));
    post({ type: 'ready' });
    return opened;
  } catch (error) {
    // The main thread reports it as a startup error; the thread then ends.
    post({ type: 'failed', error: serializeError(error) });
    replies.flush();
    port.close();
    return null;
  }
}

async function capture(store: Store, message: IncomingMessage) {
  const raw = asBuffers(message.raw);
  return store.addMessage(decided({ ...message, raw, parsed: await parseMessage(raw) }));
}

/**
 * The message with the relay rules' decision, unless it brings its own: stored with it in
 * one transaction, so a message is never kept without its decision (see decide.ts).
 */
function decided(message: NewMessage): NewMessage {
  if (message.outbox) return message;
  return { ...message, outbox: decide({ envelope: message.envelope, ...message.parsed }) };
}

/** A part's content, decoded here so that a large attachment is never parsed on the SMTP thread. */
async function part(store: Store, id: MessageId, selector: PartSelector) {
  return readPart(await store.getRaw(id), selector);
}

async function run(store: Store, call: ThreadCall): Promise<unknown> {
  const [first, second] = call.args;
  if (call.method === 'capture') return capture(store, first as IncomingMessage);
  if (call.method === 'readPart') return part(store, first as MessageId, second as PartSelector);
  if (call.method === 'addMessage') {
    const message = first as NewMessage;
    return store.addMessage(decided({ ...message, raw: asBuffers(message.raw) }));
  }
  const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(store, [...call.args]);
}

/** The bytes in a result (getRaw's, a part's content) go back without a copy. */
function bytesOf(value: unknown): Buffer | null {
  if (Buffer.isBuffer(value)) return value;
  const content = (value as { content?: unknown } | null)?.content;
  return Buffer.isBuffer(content) ? content : null;
}

port.on('message', (call: ThreadCall) => {
  void opening.then((store) => store && answer(store, call));
});

function answer(store: Store, call: ThreadCall): void {
  run(store, call).then(
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
