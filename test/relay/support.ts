import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { stringify } from 'yaml';
import type { OutboxAttempt, OutboxEntry } from '../../src/store/types.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendExact } from '../mail/smtp-send.js';

export const PASSWORD = 'pa55-w0rd:with:colons';

/** A temp dir for config files that the test removes. */
export function tempDir(): {
  path: string;
  write(name: string, text: string): string;
  remove(): void;
} {
  const path = mkdtempSync(join(tmpdir(), 'sluice-relay-'));
  return {
    path,
    write(name, text) {
      const file = join(path, name);
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** Starts Sluice with a `relay:` section written to a YAML config file, as a user would. */
export async function startRelaySluice(
  dir: ReturnType<typeof tempDir>,
  relay: object,
  flags: string[] = [],
): Promise<TestSluice> {
  const config = dir.write(
    `sluice-${Math.random().toString(36).slice(2)}.yaml`,
    stringify({ relay }),
  );
  return startSluice(['--config', config, ...flags]);
}

/** Fast retries for tests; real deployments keep the defaults (30 s, doubling, for 24 h). */
export const FAST_RETRY = { initial: '50ms', max: '400ms', max_age: '24h' };

export interface Explanation {
  mode: string;
  decisions: Array<{
    recipient: string;
    action: string;
    rule: string | null;
    reason: string;
    sendTo: string;
  }>;
  outbox: { entries: OutboxEntry[]; attempts: OutboxAttempt[] };
}

export const SAMPLE = (subject: string, from = 'app@example.com') =>
  Buffer.from(
    `From: App <${from}>\r\nTo: someone@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@test>\r\n` +
      `Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n` +
      `Hello from the relay test.\r\n.leading dot line\r\nBye.\r\n`,
  );

/** Sends into Sluice over SMTP and returns the stored message id. */
export async function capture(
  sluice: TestSluice,
  to: readonly string[],
  raw: Buffer = SAMPLE('relay test'),
  from = 'app@example.com',
): Promise<number> {
  return (await sendExact(sluice.smtpPort, { from, to }, raw)).id;
}

export function explain(sluice: TestSluice, id: number): Promise<Explanation> {
  return sluice.getJson<Explanation>(`/api/messages/${id}/relay`);
}

/** Waits until `check` returns a value, and returns it; the deadline only stops a hung test. */
export function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (!value) throw new Error(`still waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 25 },
  );
}

const FINAL = new Set(['sent', 'failed', 'cancelled']);

/** Waits until every outbox entry of the message is sent, failed or cancelled. */
export function settled(sluice: TestSluice, id: number, count = 1): Promise<Explanation> {
  return waitFor(async () => {
    const e = await explain(sluice, id);
    return (
      e.outbox.entries.length >= count && e.outbox.entries.every((x) => FINAL.has(x.state)) && e
    );
  }, `message ${id} to settle`);
}
