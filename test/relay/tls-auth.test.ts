import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSluice } from '../helpers/sluice.js';
import {
  createCertificate,
  TestUpstream,
  type TestCertificate,
  type UpstreamOptions,
} from './upstream.js';
import {
  capture,
  FAST_RETRY,
  PASSWORD,
  settled,
  startRelaySluice,
  tempDir,
  SAMPLE,
} from './support.js';

// Each TLS mode and AUTH method against a real smtp-server upstream with its own
// self-signed certificate. Certificates are verified unless the config says otherwise.

let certificate: TestCertificate;
const dir = tempDir();
let caFile: string;
let passwordFile: string;
let wrongPasswordFile: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  certificate = await createCertificate();
  caFile = dir.write('upstream-ca.pem', certificate.cert);
  passwordFile = dir.write('password', PASSWORD + '\n');
  wrongPasswordFile = dir.write('wrong', 'not-the-password\n');
});
afterAll(async () => {
  // Sluice first: smtp-server waits for the pooled connections to the upstream to end.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  dir.remove();
});

async function upstream(options: Omit<UpstreamOptions, 'certificate'>) {
  const server = await TestUpstream.start({ certificate, ...options });
  cleanups.push(() => server.close());
  return server;
}

async function sluiceFor(
  server: TestUpstream,
  settings: Record<string, unknown>,
): Promise<TestSluice> {
  const sluice = await startRelaySluice(dir, {
    upstreams: [{ name: 'up', host: '127.0.0.1', port: server.port, ...settings }],
    rules: [{ match: { recipient: '*@relay.test' }, action: 'relay' }],
    retry: FAST_RETRY,
  });
  cleanups.push(() => sluice.close());
  return sluice;
}

/** Captures one message for a relayed recipient and waits for its outbox entry to settle. */
async function relayOne(sluice: TestSluice, subject: string) {
  const id = await capture(sluice, ['dev@relay.test'], SAMPLE(subject));
  const { outbox } = await settled(sluice, id);
  return { id, entry: outbox.entries[0]!, attempts: outbox.attempts };
}

describe('TLS modes', () => {
  it('tls: implicit TLS from the first byte, verified against the CA file', async () => {
    const server = await upstream({ secure: true });
    const sluice = await sluiceFor(server, { tls: 'tls', ca_file: caFile });
    const { entry } = await relayOne(sluice, 'implicit tls');
    expect(entry.state).toBe('sent');
    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.secure).toBe(true);
  });

  it('starttls: upgrades before anything else; a server without STARTTLS gets nothing in the clear', async () => {
    const server = await upstream({});
    const sluice = await sluiceFor(server, { tls: 'starttls', ca_file: caFile });
    expect((await relayOne(sluice, 'starttls')).entry.state).toBe('sent');
    expect(server.received[0]!.secure).toBe(true);

    const plainOnly = await upstream({ starttls: false });
    const refusing = await sluiceFor(plainOnly, { tls: 'starttls', ca_file: caFile });
    const { entry, attempts } = await relayOne(refusing, 'no starttls offered');
    // The server's 5xx to STARTTLS is its exact reply, and permanent: retrying cannot help.
    expect(entry.state).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.reply).toMatch(/^5\d\d /);
    expect(plainOnly.received).toHaveLength(0);
  });

  it('opportunistic: TLS when offered, plain when not', async () => {
    const offering = await upstream({});
    const a = await sluiceFor(offering, { tls: 'opportunistic', ca_file: caFile });
    expect((await relayOne(a, 'opportunistic tls')).entry.state).toBe('sent');
    expect(offering.received[0]!.secure).toBe(true);

    const plainOnly = await upstream({ starttls: false });
    const b = await sluiceFor(plainOnly, { tls: 'opportunistic' });
    expect((await relayOne(b, 'opportunistic plain')).entry.state).toBe('sent');
    expect(plainOnly.received[0]!.secure).toBe(false);
  });

  it('none: plain even when STARTTLS is offered', async () => {
    const server = await upstream({});
    const sluice = await sluiceFor(server, { tls: 'none' });
    expect((await relayOne(sluice, 'no tls')).entry.state).toBe('sent');
    expect(server.received[0]!.secure).toBe(false);
  });

  it('refuses a self-signed upstream by default: failed at once, nothing delivered', async () => {
    const server = await upstream({ secure: true });
    const sluice = await sluiceFor(server, { tls: 'tls' });
    const { entry, attempts } = await relayOne(sluice, 'untrusted');
    expect(entry.state).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(entry.lastReply).toMatch(/self[- ]signed|certificate/i);
    expect(server.received).toHaveLength(0);
  });

  it('accepts the self-signed upstream with insecure: true', async () => {
    const server = await upstream({ secure: true });
    const sluice = await sluiceFor(server, { tls: 'tls', insecure: true });
    expect((await relayOne(sluice, 'insecure')).entry.state).toBe('sent');
    expect(server.received).toHaveLength(1);
  });
});

describe('AUTH', () => {
  const users = { relay: PASSWORD };

  it.each(['plain', 'login', 'cram-md5'])('%s', async (method) => {
    const server = await upstream({ users });
    const sluice = await sluiceFor(server, {
      tls: 'starttls',
      ca_file: caFile,
      auth: method,
      user: 'relay',
      password_file: passwordFile,
    });
    expect((await relayOne(sluice, `auth ${method}`)).entry.state).toBe('sent');
    expect(server.received[0]!.authUser).toBe('relay');
    expect(server.received[0]!.authMethod).toBe(method.toUpperCase());
  });

  it('a wrong password fails at once: one attempt, the upstream reply, no retry', async () => {
    const server = await upstream({ users });
    const sluice = await sluiceFor(server, {
      tls: 'starttls',
      ca_file: caFile,
      auth: 'plain',
      user: 'relay',
      password_file: wrongPasswordFile,
    });
    const { entry, attempts } = await relayOne(sluice, 'wrong password');
    expect(entry.state).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.outcome).toBe('permanent');
    expect(attempts[0]!.reply).toMatch(/^535 /);
    expect(server.authFailures).toEqual(['PLAIN relay']);
    expect(server.received).toHaveLength(0);
  });
});
