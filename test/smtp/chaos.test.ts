import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chaos, ChaosSettingsError } from '../../src/smtp/chaos.js';
import {
  createTestTransport,
  sendWithNodemailer,
  type OutgoingMessage,
} from '../helpers/nodemailer.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendWithSmtplib } from './smtplib.js';

const message = (n: number): OutgoingMessage => ({
  from: 'app@example.com',
  to: ['user@example.com'],
  raw: `From: app@example.com\r\nTo: user@example.com\r\nSubject: chaos ${n}\r\n\r\nbody ${n}\r\n`,
});
const messages = (count: number) => Array.from({ length: count }, (_, i) => message(i + 1));

/** A random source that plays a script, round and round. */
function scripted(values: number[]) {
  let next = 0;
  return () => values[next++ % values.length]!;
}

describe('the chaos module', () => {
  it('fails at exactly the configured rate with a deterministic random source', () => {
    const chaos = new Chaos({ enabled: true, random: scripted([0.1, 0.3, 0.5, 0.7, 0.9]) });
    chaos.setTriggers({ sender: { probability: 40 } });
    const refused = Array.from({ length: 10 }, () => chaos.onMailFrom()?.message ?? null);
    expect(refused.filter(Boolean)).toHaveLength(4);
    expect(chaos.onMailFrom()).toMatchObject({ responseCode: 451 });
  });

  it('never fails at 0 % (without asking the random source) and always at 100 %', () => {
    const chaos = new Chaos({
      enabled: true,
      random: () => {
        throw new Error('0 % must not roll');
      },
    });
    expect(chaos.onRcptTo()).toBeNull();
    const always = new Chaos({ enabled: true, random: () => 0.999999 });
    always.setTriggers({ recipient: { errorCode: 550, probability: 100 } });
    expect(always.onRcptTo()).toMatchObject({ responseCode: 550 });
  });

  it('does nothing while off, and refuses settings out of range', () => {
    const off = new Chaos({ enabled: false, random: () => 0 });
    off.setTriggers({ sender: { probability: 100 } });
    expect(off.onMailFrom()).toBeNull();
    const chaos = new Chaos({ enabled: true });
    expect(() => chaos.setTriggers({ sender: { errorCode: 250 } })).toThrow(ChaosSettingsError);
    expect(() => chaos.setTriggers({ sender: { probability: 101 } })).toThrow(ChaosSettingsError);
    expect(() => chaos.setJim({ acceptChance: 2 })).toThrow(ChaosSettingsError);
  });
});

describe('chaos on the real SMTP listener', () => {
  let sluice: TestSluice;
  const session = () => ({
    port: sluice.smtpPort,
    dataDir: sluice.dataDir,
    mode: 'plain' as const,
  });
  const setTriggers = (body: unknown) => sluice.api('/api/v1/chaos', { method: 'PUT', json: body });

  beforeAll(async () => {
    // 0.25, 0.75, ...: a 50 % trigger refuses every other roll.
    sluice = await startSluice(['--enable-chaos'], {
      app: { chaosRandom: scripted([0.25, 0.75]) },
    });
  });
  afterAll(() => sluice.close());

  it('Mailpit triggers at 100 %: nodemailer and smtplib see the configured code', async () => {
    const response = await setTriggers({ Sender: { ErrorCode: 421, Probability: 100 } });
    expect(await response.json()).toEqual({
      Sender: { ErrorCode: 421, Probability: 100 },
      Recipient: { ErrorCode: 451, Probability: 0 },
      Authentication: { ErrorCode: 535, Probability: 0 },
    });
    const transport = createTestTransport(session());
    const [viaNodemailer] = await sendWithNodemailer(transport, [message(1)]);
    transport.close();
    expect(viaNodemailer).toMatchObject({ stage: 'mail', code: 421 });

    await setTriggers({ Recipient: { ErrorCode: 550, Probability: 100 } });
    const { replies } = await sendWithSmtplib({ ...session(), messages: messages(2) });
    expect(replies.map((r) => [r.stage, r.code])).toEqual([
      ['rcpt', 550],
      ['rcpt', 550],
    ]);
  });

  it('authentication refused at 100 %', async () => {
    await setTriggers({ Authentication: { Probability: 100 } });
    const transport = createTestTransport({
      ...session(),
      auth: { method: 'PLAIN', user: 'me', password: 'secret' },
    });
    const [reply] = await sendWithNodemailer(transport, [message(1)]);
    transport.close();
    expect(reply).toMatchObject({ stage: 'auth', code: 535 });
  });

  it('50 % refuses exactly every other message; 0 % refuses none', async () => {
    await setTriggers({ Sender: { ErrorCode: 451, Probability: 50 } });
    const { replies } = await sendWithSmtplib({ ...session(), messages: messages(6) });
    expect(replies.map((r) => r.code)).toEqual([451, 250, 451, 250, 451, 250]);

    await setTriggers({});
    const transport = createTestTransport(session());
    const accepted = await sendWithNodemailer(transport, messages(3));
    transport.close();
    expect(accepted.map((r) => r.code)).toEqual([250, 250, 250]);
  });

  it('MailHog Jim and the native /api/chaos set the same state', async () => {
    const jim = {
      RejectSenderChance: 1,
      AcceptChance: 1,
      DisconnectChance: 0,
      LinkSpeedAffect: 0,
      RejectRecipientChance: 0,
      RejectAuthChance: 0,
    };
    expect((await sluice.api('/api/v2/jim', { method: 'POST', json: jim })).status).toBe(201);
    const state = await sluice.getJson('/api/chaos');
    expect(state.jim).toMatchObject({ rejectSenderChance: 1, acceptChance: 1 });
    const { replies } = await sendWithSmtplib({ ...session(), messages: messages(1) });
    expect(replies[0]).toMatchObject({ stage: 'mail', code: 550 });

    const off = await sluice.api('/api/chaos', { method: 'PUT', json: { jim: null } });
    expect((await off.json()).jim).toBeNull();
    expect((await sluice.api('/api/v2/jim')).status).toBe(404);
  });
});

describe('chaos when not enabled', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterAll(() => sluice.close());

  it('is refused by every API and leaves SMTP alone', async () => {
    const mailpit = await sluice.api('/api/v1/chaos');
    expect(mailpit.status).toBe(400);
    expect(await mailpit.text()).toMatch(/--enable-chaos/);
    const native = await sluice.api('/api/chaos', { method: 'PUT', json: { triggers: {} } });
    expect(native.status).toBe(409);
    expect((await sluice.api('/api/v2/jim', { method: 'POST' })).status).toBe(400);
    expect((await sluice.getJson('/api/chaos')).enabled).toBe(false);
  });
});
