import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTransport,
  queuedId,
  sendWithNodemailer,
  type AuthMethod,
  type ClientAuth,
  type OutgoingMessage,
  type SendReply,
  type SessionOptions,
  type TlsMode,
} from '../helpers/nodemailer.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { buildMessage, dotStuff } from './messages.js';
import { sendWithSmtplib } from './smtplib.js';

// Two independent SMTP client implementations (Node's nodemailer, Python's smtplib) against
// a real Sluice: every TLS mode crossed with every AUTH mechanism, then the refusals,
// and many messages per connection and many connections at once.

type Session = Omit<SessionOptions, 'port' | 'starttlsPort' | 'securePort' | 'dataDir'> & {
  messages: readonly OutgoingMessage[];
};
type Client = (sluice: TestSluice, session: Session) => Promise<SendReply[]>;

const CLIENTS: Record<'nodemailer' | 'smtplib', Client> = {
  async nodemailer(sluice, session) {
    const transport = createTestTransport({ ...where(sluice), ...session });
    try {
      return await sendWithNodemailer(transport, session.messages);
    } finally {
      transport.close();
    }
  },
  async smtplib(sluice, session) {
    return (await sendWithSmtplib({ ...where(sluice), ...session })).replies;
  },
};
const CLIENT_NAMES = Object.keys(CLIENTS) as Array<keyof typeof CLIENTS>;
const MODES: TlsMode[] = ['plain', 'starttls', 'implicit'];
const METHODS: AuthMethod[] = ['PLAIN', 'LOGIN', 'CRAM-MD5'];

function where(sluice: TestSluice) {
  return {
    port: sluice.smtpPort,
    starttlsPort: sluice.starttlsPort,
    securePort: sluice.smtpsPort,
    dataDir: sluice.dataDir,
  };
}

async function total(sluice: TestSluice): Promise<number> {
  return (await sluice.getJson<{ total: number }>('/api/messages?limit=1')).total;
}

/** Checks the reply is a 250 with an id and returns the stored message. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function storedFor(sluice: TestSluice, reply: SendReply | undefined): Promise<any> {
  expect(reply, 'a reply for the message').toBeDefined();
  expect(reply!.code, reply!.text).toBe(250);
  return sluice.getJson(`/api/messages/${queuedId(reply!)}`);
}

describe('every client, TLS mode and AUTH mechanism (AUTH optional)', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--smtps', '127.0.0.1:0']);
  });
  afterAll(() => sluice?.close());

  const cases = CLIENT_NAMES.flatMap((client) =>
    MODES.flatMap((mode) =>
      [null, ...METHODS].map((method) => ({ client, mode, method, label: method ?? 'none' })),
    ),
  );
  it.each(cases)('$client, $mode, AUTH $label', async ({ client, mode, method }) => {
    // With AUTH optional any credentials are accepted, and the name is still recorded.
    const auth: ClientAuth | null = method && { method, user: 'carol', password: 'anything' };
    const message = buildMessage(`${client} ${mode} ${method ?? 'no auth'}`, {
      to: ['one@example.com', 'two@example.net'],
    });
    const [reply] = await CLIENTS[client](sluice, { mode, auth, messages: [message] });
    const stored = await storedFor(sluice, reply);
    expect(stored.subject).toBe(message.subject);
    expect(stored.envelope).toEqual({ mailFrom: message.from, rcptTo: message.to });
    expect(stored.client.tls).toBe(mode !== 'plain');
    expect(stored.client.authUser).toBe(method ? 'carol' : null);
    expect(stored.client.address).toBe('127.0.0.1');
    expect(stored.client.helo).toBe(`${client}.test`);
  });

  describe('stores exactly the bytes sent, after dot-unstuffing', () => {
    // Lines that start with a dot, a lone dot inside the body, and 8-bit UTF-8 text:
    // the stored source must be the message itself, not its transfer encoding.
    const body = [
      '.leading dot',
      '..two leading dots',
      '.',
      'a line with a lone dot before it',
      '. dot and space',
      'héllo ünïcode 日本語',
      'last line',
    ].join('\r\n');

    it.each(CLIENT_NAMES)('%s', async (client) => {
      const message = buildMessage(`raw ${client}`, { body });
      const [reply] = await CLIENTS[client](sluice, { mode: 'plain', messages: [message] });
      const stored = await storedFor(sluice, reply);
      const raw = await sluice.api(`/api/messages/${stored.id}/raw`);
      expect(Buffer.from(await raw.arrayBuffer())).toEqual(Buffer.from(message.raw, 'utf8'));
    });

    it('a raw SMTP conversation that stuffs the dots itself', async () => {
      const message = buildMessage('raw stuffed by hand', { body });
      const client = await RawSmtp.open(sluice.smtpPort);
      await client.reply();
      await client.command('EHLO raw.test');
      await client.command(`MAIL FROM:<${message.from}>`);
      await client.command(`RCPT TO:<${message.to[0]}>`);
      expect((await client.command('DATA')).code).toBe(354);
      client.write(Buffer.from(dotStuff(message.raw) + '.\r\n', 'utf8'));
      const stored = await storedFor(sluice, { stage: 'data', ...(await client.reply()) });
      const raw = await sluice.api(`/api/messages/${stored.id}/raw`);
      expect(Buffer.from(await raw.arrayBuffer())).toEqual(Buffer.from(message.raw, 'utf8'));
      client.destroy();
    });
  });
});

describe('required AUTH (--smtp-auth alice:s3cret,bob:pa:ss)', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--smtp-auth', 'alice:s3cret,bob:pa:ss']);
  });
  afterAll(() => sluice?.close());

  // bob's password holds a colon: only the first one separates user from password.
  const users = [
    { user: 'alice', password: 's3cret' },
    { user: 'bob', password: 'pa:ss' },
  ];
  const accepted = CLIENT_NAMES.flatMap((client) =>
    METHODS.flatMap((method) =>
      users.map(({ user, password }) => ({ client, method, user, password })),
    ),
  );
  it.each(accepted)('$client accepts $user with $method', async ({ client, method, ...who }) => {
    const message = buildMessage(`auth ${client} ${method} ${who.user}`);
    const [reply] = await CLIENTS[client](sluice, {
      mode: 'plain',
      auth: { method, ...who },
      messages: [message],
    });
    const stored = await storedFor(sluice, reply);
    expect(stored.subject).toBe(message.subject);
    expect(stored.client.authUser).toBe(who.user);
  });

  const refused = CLIENT_NAMES.flatMap((client) =>
    METHODS.flatMap((method) => [
      { client, method, user: 'alice', password: 'wrong' },
      // The other user's password, and a user that does not exist.
      { client, method, user: 'bob', password: 's3cret' },
      { client, method, user: 'mallory', password: 's3cret' },
    ]),
  );
  it.each(refused)(
    '$client with $method: $user/$password is refused with 535, nothing stored',
    async ({ client, method, ...who }) => {
      const before = await total(sluice);
      const [reply] = await CLIENTS[client](sluice, {
        mode: 'plain',
        auth: { method, ...who },
        messages: [buildMessage('must not be stored')],
      });
      expect(reply).toMatchObject({ stage: 'auth', code: 535 });
      expect(reply!.text).toMatch(/Authentication credentials invalid/);
      expect(await total(sluice)).toBe(before);
    },
  );

  it.each(CLIENT_NAMES)('%s without AUTH gets 530 at MAIL FROM', async (client) => {
    const before = await total(sluice);
    const [reply] = await CLIENTS[client](sluice, {
      mode: 'plain',
      messages: [buildMessage('must not be stored')],
    });
    expect(reply).toMatchObject({ stage: 'mail', code: 530 });
    expect(reply!.text).toMatch(/authentication required/i);
    expect(await total(sluice)).toBe(before);
  });
});

describe('--smtp-require-tls', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--smtp-require-tls', '--smtps', '127.0.0.1:0']);
  });
  afterAll(() => sluice?.close());

  it('smtplib: MAIL before STARTTLS gets 530, the same session after STARTTLS is stored', async () => {
    const message = buildMessage('after starttls, smtplib');
    const result = await sendWithSmtplib({
      ...where(sluice),
      mode: 'starttls',
      probeBeforeTls: true,
      messages: [message],
    });
    expect(result.probe).toMatchObject({ code: 530 });
    expect(result.probe!.text).toMatch(/STARTTLS/);
    const stored = await storedFor(sluice, result.replies[0]);
    expect(stored.subject).toBe(message.subject);
    expect(stored.client.tls).toBe(true);
  });

  it('nodemailer without TLS gets 530 and nothing is stored', async () => {
    const before = await total(sluice);
    const [reply] = await CLIENTS.nodemailer(sluice, {
      mode: 'plain',
      messages: [buildMessage('must not be stored')],
    });
    expect(reply).toMatchObject({ stage: 'mail', code: 530 });
    expect(await total(sluice)).toBe(before);
  });

  const secure = CLIENT_NAMES.flatMap((client) =>
    (['starttls', 'implicit'] as const).map((mode) => ({ client, mode })),
  );
  it.each(secure)(
    '$client over $mode, with AUTH inside TLS, is stored',
    async ({ client, mode }) => {
      const message = buildMessage(`require-tls ${client} ${mode}`);
      const auth = { method: 'LOGIN', user: 'dave', password: 'x' } as const;
      const [reply] = await CLIENTS[client](sluice, { mode, auth, messages: [message] });
      const stored = await storedFor(sluice, reply);
      expect(stored.subject).toBe(message.subject);
      expect(stored.client.tls).toBe(true);
      expect(stored.client.authUser).toBe('dave');
    },
  );

  it('refuses AUTH before STARTTLS with 538, so no password crosses in clear', async () => {
    const client = await RawSmtp.open(sluice.smtpPort);
    await client.reply();
    await client.command('EHLO raw.test');
    const reply = await client.command(`AUTH PLAIN ${Buffer.from('\0dave\0x').toString('base64')}`);
    expect(reply.code).toBe(538);
    expect(reply.text).toMatch(/STARTTLS/);
    client.destroy();
  });
});

describe('many messages per connection, many connections at once', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice();
  });
  afterAll(() => sluice?.close());

  /** Every reply is a 250 whose id holds the message that was sent with it. */
  async function expectStoredInOrder(messages: { subject: string }[], replies: SendReply[]) {
    expect(replies).toHaveLength(messages.length);
    const ids = replies.map((reply) => {
      expect(reply.code, reply.text).toBe(250);
      return queuedId(reply);
    });
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i, id] of ids.entries()) {
      const stored = await sluice.getJson(`/api/messages/${id}`);
      expect(stored.subject).toBe(messages[i]!.subject);
    }
  }

  it('smtplib sends 50 messages in one session', async () => {
    const messages = Array.from({ length: 50 }, (_, i) => buildMessage(`session ${i}`));
    const { replies } = await sendWithSmtplib({ ...where(sluice), mode: 'plain', messages });
    await expectStoredInOrder(messages, replies);
  });

  it('a nodemailer pool of one connection sends 50 messages queued at once', async () => {
    const messages = Array.from({ length: 50 }, (_, i) => buildMessage(`pool ${i}`));
    const transport = createTestTransport({ ...where(sluice), mode: 'starttls', pool: true });
    try {
      // All handed over at once: the pool queues them on its single connection.
      const replies = await Promise.all(
        messages.map((message) => sendWithNodemailer(transport, [message]).then(([r]) => r!)),
      );
      await expectStoredInOrder(messages, replies);
    } finally {
      transport.close();
    }
  });

  it('20 clients at once (10 of each kind) x 5 messages are each stored exactly once', async () => {
    const before = await total(sluice);
    const batches = Array.from({ length: 20 }, (_, c) =>
      Array.from({ length: 5 }, (_, m) => buildMessage(`concurrent c${c} m${m}`)),
    );
    const replies = await Promise.all(
      batches.map((messages, c) =>
        CLIENTS[c % 2 ? 'smtplib' : 'nodemailer'](sluice, { mode: 'plain', messages }),
      ),
    );
    for (const [c, messages] of batches.entries()) {
      await expectStoredInOrder(messages, replies[c]!);
    }
    expect(await total(sluice)).toBe(before + 100);
    const listed = await sluice.getJson<{ messages: { subject: string }[] }>(
      '/api/messages?limit=500',
    );
    const subjects = listed.messages
      .map((m) => m.subject)
      .filter((s) => s.startsWith('concurrent'));
    expect(subjects.sort()).toEqual(
      batches
        .flat()
        .map((m) => m.subject)
        .sort(),
    );
  });
});
