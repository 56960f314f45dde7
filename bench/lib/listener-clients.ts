/**
 * A child process of the load suite: holds many HTTP requests open against Sluice on
 * loopback and reports over IPC what they received.
 *
 *   sse:         GET /api/events, as a client that does not ask for compression (curl).
 *   sse-deflate: the same with `Accept-Encoding: deflate`, as browsers and fetch() ask.
 *   wait:        GET /api/messages/wait for an address no message has; counts answers.
 *
 * Clients stand for browsers and test runners on other machines, so most are raw sockets
 * that read every byte and decode nothing; one in SAMPLE_EVERY decodes its stream (HTTP,
 * inflate, SSE) and follows the ids its `stored` events carry, and those of `reset`s (a
 * burst sent as one notice: everything up to its id is to be read from the list).
 *
 * argv: MODE PORT COUNT. Parent messages: { stats: ID } (answered with ListenerStats; a
 * decoding client is complete once its events reached message ID), 'stop'.
 */
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInflate } from 'node:zlib';
import { SAMPLE_EVERY, type ListenerStats } from './listener-stats.js';

/** Connections opened at once; more would overflow the server's listen backlog. */
const CONNECT_CONCURRENCY = 100;
/** The id line of a `stored` or `reset` event (the server writes LF line ends). */
const EVENT_ID = /^event: (stored|reset)\nid: (\d+)$/m;

interface Decoded {
  /** The highest message id the client's events reached. */
  reached: number;
  stored: number;
  resets: number;
}

const [mode, portText, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const decoded: Decoded[] = [];
let opened = 0;
let bytes = 0;
let answered = 0;
let failed = 0;
const sockets: { destroy(): void }[] = [];

function path(i: number): string {
  if (mode !== 'wait') return '/api/events';
  const query = encodeURIComponent(`to:waiter-${i}@nowhere.example`);
  return `/api/messages/wait?query=${query}&timeout=300s`;
}

const headers = mode === 'sse-deflate' ? { 'Accept-Encoding': 'deflate' } : {};

/** Reads and drops every byte, as a client elsewhere would cost the server the same. */
function openDraining(i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let head = true;
    socket.once('connect', () => {
      opened++;
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`GET ${path(i)} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra.join('')}\r\n`);
      resolve();
    });
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (head) {
        head = false;
        answered++;
      }
    });
    socket.on('error', () => {
      failed++;
      resolve();
    });
  });
}

/** Parses HTTP, inflates when asked to, and follows the ids of `stored` and `reset` events. */
function openCounting(i: number): Promise<void> {
  const state: Decoded = { reached: 0, stored: 0, resets: 0 };
  decoded.push(state);
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: path(i), headers }, (response) => {
      answered++;
      const body =
        response.headers['content-encoding'] === 'deflate'
          ? response.pipe(createInflate())
          : response;
      response.on('data', (chunk: Buffer | string) => (bytes += Buffer.byteLength(chunk)));
      let partial = '';
      body.setEncoding('utf8');
      body.on('data', (chunk: string) => {
        const frames = (partial + chunk).split('\n\n');
        partial = frames.pop()!;
        for (const frame of frames) {
          const match = EVENT_ID.exec(frame);
          if (!match) continue;
          if (match[1] === 'stored') state.stored++;
          else state.resets++;
          state.reached = Math.max(state.reached, Number(match[2]));
        }
      });
    });
    request.once('socket', () => {
      opened++;
      resolve();
    });
    request.on('error', () => {
      failed++;
      resolve();
    });
    sockets.push(request);
  });
}

async function openAll(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await (mode !== 'wait' && i % SAMPLE_EVERY === 0 ? openCounting(i) : openDraining(i));
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
}

function stats(target: number): ListenerStats {
  const complete = decoded.filter((d) => d.reached >= target).length;
  const sum = (pick: (d: Decoded) => number) => decoded.reduce((n, d) => n + pick(d), 0);
  return {
    opened,
    answered,
    counting: decoded.length,
    complete,
    failed,
    bytes,
    stored: sum((d) => d.stored),
    resets: sum((d) => d.resets),
  };
}

process.on('message', (message) => {
  if (typeof message === 'object' && message !== null && 'stats' in message)
    process.send!(stats(Number(message.stats)));
  if (message === 'stop') {
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  }
});
// The harness went away without saying stop: do not linger with thousands of sockets.
process.on('disconnect', () => process.exit(0));
void openAll();
