import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { postgres, type EngineDatabase } from '../helpers/engines.js';
import { spawnSluice, type SluiceProcess } from '../helpers/process.js';
import { queuedId } from '../mail/smtp-send.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';
import { SseClient } from '../web/sse.js';

// Three Sluice processes (the built CLI) on one PostgreSQL database are one inbox. 3,000
// messages go round-robin through all three; midway one is killed with SIGKILL and started
// again. Every message answered 250 is stored once, every survivor's event stream shows
// every one of them live, and each is relayed to a real upstream once, or twice only when
// the killed instance was sending it (another sends it again once its lease runs out).

const MESSAGES = 3000;
const KILL_AT = 1500;
const IN_FLIGHT = 6;
// Long enough for any send on a loaded machine (a slower one would go twice, by design),
// short enough that the killed instance's sends are taken over within the test.
const LEASE_MS = 10_000;

interface Instance {
  smtp: number;
  http: number;
  proc: SluiceProcess;
  transport: Transporter;
}

interface Outcome {
  readonly index: number;
  readonly instance: number;
  /** The stored id from the 250 reply; null when the message was not acknowledged. */
  readonly id: number | null;
}

describe.skipIf(postgres.skip)('three Sluice processes on one PostgreSQL database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-three-'));
  let database: EngineDatabase;
  let upstream: TestUpstream;
  let config: string;
  const instances: Instance[] = [];
  const streams: SseClient[] = [];

  // Port 0: each start is given free ports by the kernel, the restart too. A port found free
  // beforehand can be taken by another test's connection before Sluice binds it.
  const args = () => [
    ...['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0'],
    ...['--db', database.db, '--config', config, '--relay-lease', `${LEASE_MS}ms`],
    ...['--max-messages', '0', '--log-level', 'warn'],
  ];
  const spawn = async (i: Instance) => {
    i.proc = await spawnSluice(args(), { XDG_DATA_HOME: dataDir });
    i.smtp = i.proc.smtpPort;
    i.http = i.proc.httpPort;
    i.transport = transportTo(i.smtp);
  };

  beforeAll(async () => {
    database = await postgres.create();
    // Slow enough that each instance has sends in flight when one is killed.
    upstream = await TestUpstream.start({
      certificate: await createCertificate(),
      replyDelayMs: 40,
    });
    config = join(dataDir, 'relay.yaml');
    writeFileSync(
      config,
      stringify({
        relay: {
          upstreams: [
            { name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none', max_connections: 3 },
          ],
          rules: [{ match: { recipient: '*@relay.test' }, action: 'relay' }],
          retry: { initial: '200ms', max: '1s' },
        },
      }),
    );
    for (let n = 0; n < 3; n++) {
      const instance = {} as Instance;
      // One at a time: the first creates the schema (the others would wait for it anyway).
      await spawn(instance);
      instances.push(instance);
    }
  }, 120_000);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    for (const instance of instances) {
      instance.transport?.close();
      if (instance.proc.child.exitCode === null) instance.proc.child.kill('SIGTERM');
      await instance.proc.exited;
    }
    await upstream?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged message of ${MESSAGES} once, live on the survivors, relayed once`, async () => {
    // The survivors' streams, open before the first message.
    for (const n of [0, 2]) {
      const stream = await SseClient.connect(`http://127.0.0.1:${instances[n]!.http}/api/events`);
      await stream.next('hello');
      streams.push(stream);
    }

    let killedAt = 0;
    let restart: Promise<void> | null = null;
    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < MESSAGES) {
        const index = next++;
        if (index === KILL_AT) restart = killAndRestart(1);
        const n = index % 3;
        outcomes.push({ index, instance: n, id: await send(instances[n]!, index) });
      }
    };
    const killAndRestart = async (n: number) => {
      const victim = instances[n]!;
      victim.proc.child.kill('SIGKILL');
      killedAt = Date.now();
      await victim.proc.exited;
      victim.transport.close();
      await spawn(victim);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await restart;

    const acknowledged = outcomes.filter((o) => o.id !== null);
    const refused = outcomes.filter((o) => o.id === null);
    // Only the killed instance refused anything, and only around the kill.
    expect(refused.every((o) => o.instance === 1)).toBe(true);
    expect(acknowledged.length).toBeGreaterThan(MESSAGES * 0.9);
    expect(
      acknowledged.filter((o) => o.instance === 1 && o.index > KILL_AT).length,
    ).toBeGreaterThan(0);

    // Stored once each, whichever instance is asked.
    const subjects = new Map<string, number[]>();
    const stored = await everyMessage(instances[2]!);
    for (const message of stored) {
      subjects.set(message.subject, [...(subjects.get(message.subject) ?? []), message.id]);
    }
    for (const o of acknowledged) expect(subjects.get(subjectOf(o.index))).toEqual([o.id]);

    // Live on both survivors: a stored event for every acknowledged message.
    for (const stream of streams) {
      await vi.waitFor(
        () => {
          const seen = new Set(
            stream.buffered.filter((e) => e.event === 'stored').map((e) => Number(e.id)),
          );
          expect(acknowledged.filter((o) => !seen.has(o.id!))).toEqual([]);
        },
        { timeout: 60_000, interval: 200 },
      );
    }

    // Relayed: the outbox settles, every acknowledged message arrived upstream, and any
    // that arrived twice was first sent before the kill and again after the lease ran out.
    await vi.waitFor(
      async () => {
        const open = await json(instances[0]!, '/api/relay/outbox?state=queued,sending&limit=1');
        expect(open.entries).toEqual([]);
      },
      { timeout: 120_000, interval: 250 },
    );
    // Each stored message was decided once, by the instance that captured it, though every
    // instance heard of it.
    expect(await database.count('outbox')).toBe(stored.length);
    const arrivals = new Map<string, number[]>();
    for (const received of upstream.received) {
      const subject = /^Subject: (.*)$/m.exec(received.raw.toString())![1]!.trim();
      arrivals.set(subject, [...(arrivals.get(subject) ?? []), received.at]);
    }
    const twice: string[] = [];
    for (const o of acknowledged) {
      const times = arrivals.get(subjectOf(o.index)) ?? [];
      expect(times.length, subjectOf(o.index)).toBeGreaterThanOrEqual(1);
      expect(times.length, subjectOf(o.index)).toBeLessThanOrEqual(2);
      if (times.length === 2) {
        twice.push(subjectOf(o.index));
        expect(times[0]!).toBeLessThanOrEqual(killedAt);
        expect(times[1]! - killedAt).toBeGreaterThanOrEqual(0);
      }
    }
    // At most what the killed instance could have had in flight.
    expect(twice.length).toBeLessThanOrEqual(100);
  }, 900_000);
});

const subjectOf = (index: number) => `three-instances ${index}`;

function transportTo(port: number): Transporter {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    ignoreTLS: true,
    pool: true,
    maxConnections: 2,
    connectionTimeout: 5000,
    socketTimeout: 30_000,
  });
}

async function send(instance: Instance, index: number): Promise<number | null> {
  const raw = Buffer.from(
    `From: app@example.com\r\nTo: user${index}@relay.test\r\nSubject: ${subjectOf(index)}\r\n` +
      `Message-ID: <m${index}@three.test>\r\n\r\nMessage ${index}.\r\n`,
  );
  try {
    const info = await instance.transport.sendMail({
      envelope: { from: 'app@example.com', to: [`user${index}@relay.test`] },
      raw,
    });
    return queuedId(String(info.response));
  } catch {
    return null;
  }
}

async function json(instance: Instance, path: string) {
  const response = await fetch(`http://127.0.0.1:${instance.http}${path}`);
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Every stored message, paged with before=nextCursor. */
async function everyMessage(instance: Instance): Promise<{ id: number; subject: string }[]> {
  const all: { id: number; subject: string }[] = [];
  let cursor: number | null = null;
  do {
    const page = await json(
      instance,
      `/api/messages?limit=500${cursor ? `&before=${cursor}` : ''}`,
    );
    all.push(...page.messages);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}
