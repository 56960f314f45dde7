import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnSluice } from '../helpers/process.js';
import { SseClient } from './sse.js';

// Issue 10: with an event stream open the process lingered ~21 s after SIGTERM (a 20 s
// heartbeat sleep; 60 s with MailHog's), past `docker stop`'s 10 s. Streams, the peers'
// feeds and waiting requests end at once.
describe('shutdown with open event streams and waiting requests', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-stop-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exits promptly on SIGTERM', async () => {
    const sluice = await spawnSluice([
      ...['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0'],
      ...['--db', join(dataDir, 'sluice.db'), '--max-waiters', '1'],
    ]);
    const base = `http://127.0.0.1:${sluice.httpPort}`;
    const streams = await Promise.all([1, 2, 3].map(() => SseClient.connect(`${base}/api/events`)));
    for (const stream of streams) await stream.next('hello');
    // The peers' live feeds too: MailHog's event stream and Mailpit's WebSocket.
    streams.push(await SseClient.connect(`${base}/api/v1/events`));
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/events`);
    const greeted = new Promise((resolve) => socket.once('message', resolve));
    socket.on('error', () => {});
    await greeted;
    // And an inbox: the page and a list call leave keep-alive connections open.
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/api/messages`)).status).toBe(200);
    const wait = (timeout: string) =>
      fetch(`${base}/api/messages/wait?query=to:nobody&timeout=${timeout}`).then(
        (response) => response.status,
        () => 'cut',
      );
    // With --max-waiters 1, a short wait is refused once the long one is waiting. (Should a
    // probe take the one place first, the long one is refused instead and sent again.)
    let waiting = wait('300s');
    let answered = false;
    void waiting.then(() => (answered = true));
    await expect
      .poll(async () => {
        const probe = await wait('0s');
        if (answered) {
          answered = false;
          waiting = wait('300s');
          void waiting.then(() => (answered = true));
        }
        return probe;
      })
      .toBe(503);

    sluice.child.kill('SIGTERM');
    // Generous (it takes well under a second when the machine is quiet): what matters is
    // that nothing waits for a heartbeat or a wait's timeout (20 s, 60 s, 300 s), and that
    // the process is gone before `docker stop` gives up (10 s). Not a speed figure.
    const deadline = new Promise((resolve) => setTimeout(() => resolve('still running'), 8_000));
    const outcome = await Promise.race([sluice.exited, deadline]);
    if (outcome === 'still running') sluice.child.kill('SIGKILL');
    expect(outcome).toBe(0);
    expect(await waiting).not.toBe(200);
    for (const stream of streams) stream.close();
    socket.terminate();
  });
});
