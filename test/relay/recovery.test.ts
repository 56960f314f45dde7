import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseMessage } from '../../src/mail/parse.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startSluice } from '../helpers/sluice.js';
import { capture, explain, FAST_RETRY, settled, tempDir } from './support.js';
import { createCertificate, TestUpstream } from './upstream.js';

// Rules run after the commit (DESIGN.md habit 7), so a crash can fall between a stored
// message and its relay decision. The relay decides such messages when it starts; it never
// queues a message twice, and never sends mail captured while it was off.

const files = tempDir();
let upstream: TestUpstream;
let configFile: string;

beforeAll(async () => {
  upstream = await TestUpstream.start({ certificate: await createCertificate() });
  configFile = files.write(
    'relay.yaml',
    stringify({
      relay: {
        upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
        rules: [{ match: { recipient: '*@relay.test' }, action: 'relay' }],
        retry: FAST_RETRY,
      },
    }),
  );
});
afterAll(async () => {
  await upstream.close();
  files.remove();
});

const subjects = () => upstream.received.map((r) => /Subject: (.*)\r\n/.exec(r.raw.toString())![1]);

describe('relay decisions across a crash', () => {
  it('decides at start what was stored but not decided, once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-recover-'));
    try {
      // A message committed with nobody listening: what a crash right after the commit leaves.
      const store = new SqliteStore({
        path: join(dataDir, 'sluice.db'),
        maxMessages: 0,
        maxAgeMs: 0,
      });
      const raw = Buffer.from('Subject: undecided\r\n\r\nbody\r\n');
      const stored = await store.addMessage({
        raw,
        parsed: await parseMessage(raw),
        envelope: { mailFrom: 'app@example.test', rcptTo: ['dev@relay.test'] },
        client: { address: '127.0.0.1', helo: 'test', authUser: null, tls: false },
      });
      await store.close();

      const first = await startSluice(['--config', configFile], { dataDir });
      try {
        const { outbox } = await settled(first, stored.id);
        expect(outbox.entries.map((e) => e.state)).toEqual(['sent']);
      } finally {
        await first.close();
      }
      const second = await startSluice(['--config', configFile], { dataDir });
      try {
        expect((await explain(second, stored.id)).outbox.entries).toHaveLength(1);
      } finally {
        await second.close();
      }
      expect(subjects().filter((s) => s === 'undecided')).toHaveLength(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('does not send mail captured while the relay was off', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-recover-'));
    try {
      const off = await startSluice([], { dataDir });
      const id = await capture(off, ['dev@relay.test']);
      await off.close();
      const on = await startSluice(['--config', configFile], { dataDir });
      try {
        // A message captured now is relayed; the earlier one is not.
        const now = await capture(on, ['dev@relay.test']);
        await settled(on, now);
        expect((await explain(on, id)).outbox.entries).toEqual([]);
        expect((await explain(on, id)).decisions[0]!.action).toBe('relay');
      } finally {
        await on.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
