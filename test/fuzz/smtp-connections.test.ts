import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { AbortClient } from './abort-client.js';
import { messageTotal } from './check.js';
import { basicHeaders, message } from './mime-build.js';
import { expectStillServing, waitForFreeSlot } from './normal-client.js';
import { fuzzSeed, printSeedOnFailure, Random } from './random.js';
import { dataPayload, openSession, sendRaw } from './wire.js';

// Connection-level abuse: more clients than --max-connections, idle clients holding
// slots, and clients that vanish at every stage of a transaction. The server must refuse
// with 421 rather than hang, free every slot, store nothing it did not acknowledge (a
// message it did acknowledge may be stored only whole), and keep serving.

const seed = fuzzSeed();
printSeedOnFailure(seed);
const random = new Random(seed);

const LIMIT = 5;

async function greeted(port: number): Promise<RawSmtp> {
  const client = await RawSmtp.open(port);
  expect((await client.reply()).code).toBe(220);
  return client;
}

describe('a flood of connections past --max-connections', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-connections', String(LIMIT)]);
  });
  afterAll(() => sluice?.close());

  it('refuses the extra ones with 421 while the held ones keep working', async () => {
    const held = await Promise.all(Array.from({ length: LIMIT }, () => greeted(sluice.smtpPort)));
    const extra = await Promise.all(
      Array.from({ length: 20 }, () => RawSmtp.open(sluice.smtpPort)),
    );
    for (const client of extra) {
      const refused = await client.reply();
      expect(refused.code).toBe(421);
      await client.waitClosed();
    }
    // A held connection still gets its message through while the others are refused.
    const client = held[0]!;
    expect((await client.command('EHLO held.test')).code).toBe(250);
    expect((await client.command('MAIL FROM:<h@x.test>')).code).toBe(250);
    expect((await client.command('RCPT TO:<r@x.test>')).code).toBe(250);
    expect((await client.command('DATA')).code).toBe(354);
    expect((await client.command('Subject: held\r\n\r\nbody\r\n.')).code).toBe(250);
    for (const c of held) c.destroy();
    await waitForFreeSlot(sluice.smtpPort);
    await expectStillServing(sluice);
  });

  it('survives 300 connections opened and dropped at once', async () => {
    const clients = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        AbortClient.open(sluice.smtpPort).then((client) => {
          client.abort(i % 2 === 0 ? 'fin' : 'rst');
          return client;
        }),
      ),
    );
    expect(clients).toHaveLength(300);
    await waitForFreeSlot(sluice.smtpPort);
    await expectStillServing(sluice);
  });
});

describe('idle connections holding every slot', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-connections', String(LIMIT), '--smtp-idle-timeout', '1s']);
  });
  afterAll(() => sluice?.close());

  it('closes them after the idle timeout with 421, then serves a normal client', async () => {
    const silent = await Promise.all([greeted(sluice.smtpPort), greeted(sluice.smtpPort)]);
    const afterEhlo = await openSession(sluice.smtpPort);
    const afterRcpt = await openSession(sluice.smtpPort);
    expect((await afterRcpt.command('MAIL FROM:<i@x.test>')).code).toBe(250);
    expect((await afterRcpt.command('RCPT TO:<r@x.test>')).code).toBe(250);
    const midData = await openSession(sluice.smtpPort);
    expect((await midData.command('MAIL FROM:<i@x.test>')).code).toBe(250);
    expect((await midData.command('RCPT TO:<r@x.test>')).code).toBe(250);
    expect((await midData.command('DATA')).code).toBe(354);
    midData.write('Subject: idle mid-DATA\r\n\r\nhalf of a mes');

    // Every slot is taken: the next client is told so at once instead of waiting.
    const refused = await RawSmtp.open(sluice.smtpPort);
    expect((await refused.reply()).code).toBe(421);

    for (const client of [...silent, afterEhlo, afterRcpt, midData]) {
      const reply = await client.reply(10_000);
      expect(reply.code).toBe(421);
      expect(reply.text).toMatch(/timeout/i);
      await client.waitClosed();
    }
    await waitForFreeSlot(sluice.smtpPort);
    await expectStillServing(sluice);
    // The half message was not stored: only the normal client's message is there.
    expect(await messageTotal(sluice)).toBe(1);
  });
});

type Stage = 'connect' | 'greeting' | 'ehlo' | 'mail' | 'rcpt' | 'data' | 'mid-data' | 'after-dot';

interface Abandoned {
  readonly label: string;
  readonly subject: string;
  readonly raw: Buffer;
  /** Only a message whose final dot was sent may be stored (250 is sent after commit). */
  readonly mayBeStored: boolean;
}

describe('disconnects at every stage', () => {
  let sluice: TestSluice;
  const abandoned: Abandoned[] = [];
  const generator = random.fork('disconnects');

  // Enough slots that the server's processing of one close never trails the next
  // connection; the last test takes all of them at once to show none was leaked.
  const slots = 20;
  beforeAll(async () => {
    sluice = await startSluice(['--max-connections', String(slots)]);
  });
  afterAll(() => sluice?.close());

  /** A message of 1 to 3,000 lines (up to ~60 KB), so a cut can land anywhere in it. */
  function abandonedMessage(subject: string): Buffer {
    const lines = Array.from({ length: generator.int(1, 3000) }, (_, i) => `line ${i} ${subject}`);
    return message(basicHeaders(subject), lines.join('\r\n') + '\r\n');
  }

  /**
   * Runs a transaction up to `stage`, then leaves. Mid-DATA it first sends the first
   * `cut(length)` bytes of the DATA payload (stuffed message and final dot line).
   */
  async function leaveAt(
    stage: Stage,
    how: 'fin' | 'rst',
    cut: (length: number) => number = (length) => length,
  ): Promise<void> {
    const index = abandoned.length;
    const subject = `abandoned #${index}`;
    const raw = abandonedMessage(subject);
    const payload = dataPayload(raw);
    const sent = stage === 'mid-data' ? cut(payload.length) : payload.length;
    const label = `#${index} ${stage}${stage === 'mid-data' ? ` ${sent}/${payload.length}` : ''} ${how}`;
    const client = await AbortClient.open(sluice.smtpPort);
    const steps: Array<[Stage, () => Promise<unknown>]> = [
      ['greeting', async () => expect(await client.replies(1)).toEqual([220])],
      ['ehlo', () => client.command('EHLO gone.test', 250)],
      ['mail', () => client.command('MAIL FROM:<gone@x.test>', 250)],
      ['rcpt', () => client.command('RCPT TO:<r@x.test>', 250)],
      ['data', () => client.command('DATA', 354)],
    ];
    if (stage !== 'connect') {
      for (const [name, step] of steps) {
        await step();
        if (name === stage) break;
      }
    }
    if (stage === 'mid-data' || stage === 'after-dot') client.write(payload.subarray(0, sent));
    client.abort(how);
    abandoned.push({ label, subject, raw, mayBeStored: stage === 'after-dot' });
  }

  const stages: Stage[] = ['connect', 'greeting', 'ehlo', 'mail', 'rcpt', 'data'];
  it.each(stages)('leaves after %s, with FIN and with RST', async (stage) => {
    await leaveAt(stage, 'fin');
    await leaveAt(stage, 'rst');
  });

  it('leaves mid-DATA at random offsets and inside the terminating dot line', async () => {
    for (let i = 0; i < 20; i++) {
      await leaveAt('mid-data', i % 2 ? 'fin' : 'rst', (length) => generator.int(1, length - 4));
    }
    // The message's last CRLF is sent but not ".\r\n", or only "." or ".\r" of it.
    for (const missing of [3, 2, 1]) {
      await leaveAt('mid-data', 'fin', (length) => length - missing);
      await leaveAt('mid-data', 'rst', (length) => length - missing);
    }
  });

  it('leaves right after the final dot, before reading the reply', async () => {
    for (let i = 0; i < 6; i++) await leaveAt('after-dot', i % 2 ? 'fin' : 'rst');
  });

  it('frees every slot, stores no abandoned message but whole ones, and keeps serving', async () => {
    // All slots at once: the server has processed the close of every abandoned
    // connection (it frees the slot in the same step in which it ends a half-received
    // message), so anything abandoned that were to be stored would be stored by now.
    await waitForFreeSlot(sluice.smtpPort);
    const all = await Promise.all(Array.from({ length: slots }, () => greeted(sluice.smtpPort)));
    for (const client of all) client.destroy();
    await waitForFreeSlot(sluice.smtpPort);
    await expectStillServing(sluice);
    const reply = await sendRaw(sluice.smtpPort, abandonedMessage('a whole one after the rest'));
    expect(reply.code).toBe(250);

    const page = await sluice.getJson<{ messages: Array<{ id: number; subject: string }> }>(
      '/api/messages?limit=500',
    );
    for (const stored of page.messages) {
      const left = abandoned.find((a) => a.subject === stored.subject);
      if (!left) continue;
      expect(left.mayBeStored, `stored although abandoned: ${left.label}`).toBe(true);
      const raw = Buffer.from(
        await (await sluice.api(`/api/messages/${stored.id}/raw`)).arrayBuffer(),
      );
      expect(raw.equals(left.raw), `${left.label} stored whole`).toBe(true);
    }
    expect(abandoned.length).toBeGreaterThan(40);
  });
});
