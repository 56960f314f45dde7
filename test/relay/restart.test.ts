import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { runSluice, spawnSluice, type SluiceProcess } from '../helpers/process.js';
import { sendExact } from '../mail/smtp-send.js';
import { PASSWORD } from './support.js';
import { createCertificate, TestUpstream, type TestCertificate } from './upstream.js';

// The built CLI (dist/main.js; `npm test` builds first) with a real upstream: killed with
// SIGKILL while messages are queued and being sent, then restarted on the same database.
// Every approved message must reach the upstream; delivery is at-least-once, so a message
// whose 250 the killed process never saw may arrive twice, but none may be missing.

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-relay-kill-'));
const running: SluiceProcess[] = [];
const upstreams: TestUpstream[] = [];
let certificate: TestCertificate;

beforeAll(async () => {
  certificate = await createCertificate();
});
afterEach(async () => {
  for (const proc of running.splice(0)) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await proc.exited;
  }
  for (const upstream of upstreams.splice(0)) await upstream.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function writeConfig(name: string, port: number, extra: object = {}): string {
  const path = join(dataDir, name);
  writeFileSync(
    path,
    stringify({
      relay: {
        upstreams: [
          { name: 'up', host: '127.0.0.1', port, tls: 'none', max_connections: 2, ...extra },
        ],
        rules: [
          { match: { recipient: '*@relay.test' }, action: 'relay' },
          { match: { recipient: '*@held.test' }, action: 'hold' },
        ],
        retry: { initial: '1500ms', max: '2s' },
      },
    }),
  );
  return path;
}

async function start(args: string[], env: Record<string, string> = {}) {
  const proc = await spawnSluice(args, env);
  running.push(proc);
  return proc;
}

async function api(proc: SluiceProcess, path: string, json?: unknown) {
  const response = await fetch(`http://127.0.0.1:${proc.httpPort}${path}`, {
    ...(json === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(json),
        }),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Waits until `check` holds; the deadline only stops a hung test. */
async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await check())) throw new Error(`still waiting for ${what}`);
    },
    { timeout: 20_000, interval: 25 },
  );
}

const subjects = (list: readonly { raw: Buffer }[]) =>
  list.map((r) => /Subject: (.*)\r\n/.exec(r.raw.toString())![1]!);

describe('SIGKILL with messages queued and sending', () => {
  it('delivers every approved message after a restart; none is lost', async () => {
    // The first DATA is never answered: that message stays 'sending' on one pooled
    // connection while the other connection carries the rest.
    let deferred = false;
    let killed = false;
    const upstream = await TestUpstream.start({
      certificate,
      stall: (n) => n === 0,
      // RCPT for later@ gets a 451 until the kill: that entry keeps going back to 'queued'
      // for its retry, however long the steps before the kill take on a loaded machine.
      rcpt: (address) => {
        if (address !== 'later@relay.test' || killed) return null;
        deferred = true;
        return { code: 451, message: '4.7.1 Greylisted, try again' };
      },
    });
    upstreams.push(upstream);
    const db = join(dataDir, 'kill.db');
    const args = [
      '--smtp',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--db',
      db,
      '--config',
      writeConfig('kill.yaml', upstream.port),
    ];
    const first = await start(args);

    const subjectOf = new Map<number, string>();
    const send = async (to: string, subject: string) => {
      const sent = await sendExact(
        first.smtpPort,
        { from: 'app@example.test', to: [to] },
        Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`),
      );
      subjectOf.set(sent.id, subject);
      return sent;
    };
    const expected: string[] = [];
    for (let i = 0; i < 6; i++) {
      await send('dev@relay.test', `relayed ${i}`);
      expected.push(`relayed ${i}`);
    }
    await send('later@relay.test', 'deferred');
    expected.push('deferred');
    const held: number[] = [];
    for (let i = 0; i < 3; i++) held.push((await send('client@held.test', `approved ${i}`)).id);
    await send('client@held.test', 'never approved');
    await until(() => upstream.unacknowledged.length === 1, 'the first message to stall upstream');
    await until(() => deferred, 'the greylisting 451');
    await until(
      async () => (await api(first, '/api/relay/outbox?state=held')).entries.length === 4,
      'four held',
    );
    await api(first, '/api/relay/approve', { ids: held });
    expected.push('approved 0', 'approved 1', 'approved 2');
    // One entry stalled in 'sending', one waiting in 'queued': what the kill must not lose.
    await until(async () => {
      const { entries } = await api(first, '/api/relay/outbox?limit=500');
      const states = new Set(entries.map((e: { state: string }) => e.state));
      return states.has('sending') && states.has('queued');
    }, "an entry 'sending' and one 'queued'");

    const before = await api(first, '/api/relay/outbox?limit=500');
    killed = true;
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await start(args);
    await until(
      async () =>
        (await api(second, '/api/relay/outbox?state=queued,sending,failed')).entries.length === 0,
      'the outbox to drain',
    );
    const received = subjects(upstream.received);
    for (const subject of expected) expect(received, subject).toContain(subject);
    expect(received).not.toContain('never approved');
    // Only messages not yet recorded as sent before the kill may arrive twice.
    const recordedSent = before.entries
      .filter((e: { state: string }) => e.state === 'sent')
      .map((e: { messageId: number }) => subjectOf.get(e.messageId));
    const twice = received.filter((s, i) => received.indexOf(s) !== i);
    for (const subject of twice) expect(recordedSent).not.toContain(subject);
    const after = await api(second, '/api/relay/outbox?limit=500');
    expect(after.entries.filter((e: { state: string }) => e.state === 'sent')).toHaveLength(
      expected.length,
    );
    expect(after.entries.filter((e: { state: string }) => e.state === 'held')).toHaveLength(1);
  });
});

describe('sluice relay verify', () => {
  it('reports success per upstream and exits 0', async () => {
    const upstream = await TestUpstream.start({ certificate, users: { relay: PASSWORD } });
    upstreams.push(upstream);
    const config = writeConfig('verify-ok.yaml', upstream.port, {
      auth: 'cram-md5',
      user: 'relay',
      password_env: 'RELAY_PASSWORD',
    });
    const result = await runSluice(['relay', 'verify', '--config', config], {
      RELAY_PASSWORD: PASSWORD,
    });
    expect(result.stdout).toBe(
      `ok   up 127.0.0.1:${upstream.port}: connected (tls: none), authenticated (cram-md5)\n`,
    );
    expect(result.code).toBe(0);
  });

  it("prints the upstream's exact reply and exits 1 when authentication fails", async () => {
    const upstream = await TestUpstream.start({ certificate, users: { relay: PASSWORD } });
    upstreams.push(upstream);
    const config = writeConfig('verify-bad.yaml', upstream.port, {
      auth: 'plain',
      user: 'relay',
      password_env: 'RELAY_PASSWORD',
    });
    const result = await runSluice(['relay', 'verify', '--config', config], {
      RELAY_PASSWORD: 'wrong',
    });
    expect(result.stdout).toBe(
      `FAIL up 127.0.0.1:${upstream.port}: 535 Authentication credentials invalid\n`,
    );
    expect(result.code).toBe(1);
  });

  it('exits 1 with a hint when the relay is off, 2 on a bad config', async () => {
    const off = await runSluice(['relay', 'verify']);
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/the relay is off/);
    const bad = await runSluice(['relay', 'verify'], { SLUICE_RELAY_URL: 'ftp://x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SLUICE_RELAY_URL: the scheme must be smtp or smtps/);
  });
});
