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
 * inflate, SSE) and counts the `stored` events it got, which is what `complete` reports.
 *
 * argv: MODE PORT COUNT. Parent messages: { stats: N } (answered with ListenerStats, N the
 * number of events a client must have to count as complete), 'stop'.
 */
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInflate } from 'node:zlib';
import { SAMPLE_EVERY, type ListenerStats } from './listener-stats.js';

/** Connections opened at once; more would overflow the server's listen backlog. */
const CONNECT_CONCURRENCY = 100;
const STORED = 'event: stored\n';

const [mode, portText, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const counts: number[] = [];
let opened = 0;
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
    socket.on('data', () => {
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

/** Parses HTTP, inflates when asked to, and counts `stored` events. */
function openCounting(i: number): Promise<void> {
  const slot = counts.push(0) - 1;
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: path(i), headers }, (response) => {
      answered++;
      const body =
        response.headers['content-encoding'] === 'deflate'
          ? response.pipe(createInflate())
          : response;
      let tail = '';
      body.setEncoding('utf8');
      body.on('data', (chunk: string) => {
        const text = tail + chunk;
        for (let at = text.indexOf(STORED); at >= 0; at = text.indexOf(STORED, at + 1))
          counts[slot]!++;
        tail = text.slice(-(STORED.length - 1));
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
  const complete = counts.filter((n) => n >= target).length;
  return { opened, answered, counting: counts.length, complete, failed };
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
