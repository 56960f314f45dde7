import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  connectSnippets,
  DEFAULT_TARGET,
  targetFor,
  type Snippet,
  type SnippetTarget,
} from '../../ui/src/snippets/snippets.js';
import { MAIN } from '../helpers/process.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { available, removeCompiled, RUNNERS } from './runners.js';

// Every snippet of README and of the empty inbox, run by its real client against a real
// Sluice with the default listeners (plain, STARTTLS, implicit TLS; here on free ports).
// The inbox's snippets and README's are one generator (ui/src/snippets), and
// readme-snippets.test.ts keeps README's code blocks equal to its output for the defaults.

const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  await removeCompiled();
});

interface Server {
  sluice: TestSluice;
  target: SnippetTarget;
  /** The local CA's certificate, which "trusting the CA" means here. */
  ca: string;
}

async function startServer(args: string[]): Promise<Server> {
  const sluice = await startSluice(args, {
    app: { sendmailCommand: `${process.execPath} ${MAIN} sendmail` },
  });
  const info = await sluice.getJson('/api/info');
  return { sluice, target: targetFor(info, '127.0.0.1'), ca: info.tls.ca };
}

/** How a test stands in for a trusted CA: the env var each trust store honours. */
function trustEnv(snippet: Snippet, ca: string, dir: string): Record<string, string> {
  switch (snippet.trust) {
    case 'system':
      // OpenSSL's default CA file, which Python, Ruby, PHP and Go read.
      return { SSL_CERT_FILE: ca };
    case 'node':
      return { NODE_EXTRA_CA_CERTS: ca };
    case 'java': {
      const store = join(dir, 'truststore.p12');
      execFileSync('keytool', [
        ...['-importcert', '-noprompt', '-alias', 'sluice', '-file', ca],
        ...['-keystore', store, '-storetype', 'PKCS12', '-storepass', 'changeit'],
      ]);
      return {
        JAVA_TOOL_OPTIONS: `-Djavax.net.ssl.trustStore=${store} -Djavax.net.ssl.trustStorePassword=changeit`,
      };
    }
    case null:
      return {};
  }
}

/** Runs one snippet and checks that Sluice stored its message over the promised TLS and login. */
async function runSnippet(
  server: Server,
  snippet: Snippet,
  context: TestContext,
  expected: { tls: boolean; authUser: string | null },
): Promise<void> {
  const runner = RUNNERS[snippet.framework]!;
  if (!available(runner)) {
    console.log(`skipped ${snippet.id}: ${runner.needs} is not installed (.ci/run installs it)`);
    context.skip();
  }
  const before = await newest(server.sluice);
  const dir = mkdtempSync(join(tmpdir(), `sluice-snippet-${snippet.id}-`));
  temps.push(dir);
  const env = trustEnv(snippet, server.ca, dir);
  const subject = await runner.run(snippet, { dir, env, subject: `snippet ${snippet.id}` });
  const stored = await newest(server.sluice);
  expect(stored?.id, `${snippet.id} stored nothing`).toBeGreaterThan(before?.id ?? 0);
  const detail = await server.sluice.getJson(`/api/messages/${stored!.id}`);
  expect(detail.subject).toBe(subject);
  expect(detail.envelope.rcptTo).toEqual(['you@example.com']);
  expect(detail.client.tls).toBe(expected.tls);
  expect(detail.client.authUser).toBe(expected.authUser);
}

async function newest(sluice: TestSluice): Promise<{ id: number } | undefined> {
  return (await sluice.getJson('/api/messages?limit=1')).messages[0];
}

const DEFAULT_SNIPPETS = connectSnippets(DEFAULT_TARGET);

describe('with the defaults, every snippet works as written', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer([]);
  });
  afterAll(() => server?.sluice.close());

  it('the inbox gets the same snippets as README, on this server ports', () => {
    const here = connectSnippets(server.target);
    expect(here.map((s) => s.id)).toEqual(DEFAULT_SNIPPETS.map((s) => s.id));
  });

  it.for(DEFAULT_SNIPPETS.map((s) => ({ id: s.id })))('$id', async ({ id }, context) => {
    const snippet = connectSnippets(server.target).find((s) => s.id === id)!;
    await runSnippet(server, snippet, context, {
      tls: snippet.mode === 'starttls' || snippet.mode === 'tls',
      authUser: snippet.mode === 'login' ? 'user' : null,
    });
  });

  it("README's php.ini line, with sluice on PATH and SLUICE_SMTP naming this server", async (context) => {
    const readmeLine = DEFAULT_SNIPPETS.find((s) => s.id === 'php-plain')!;
    expect(readmeLine.code).toContain('sendmail_path = "sluice sendmail -t -i"');
    const runner = RUNNERS.php!;
    if (!available(runner)) context.skip();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-snippet-php-readme-'));
    temps.push(dir);
    const before = await newest(server.sluice);
    const env = { SLUICE_SMTP: `127.0.0.1:${server.sluice.smtpPort}` };
    await runner.run(readmeLine, { dir, env, subject: 'php.ini from README' });
    const stored = await newest(server.sluice);
    expect(stored!.id).toBeGreaterThan(before?.id ?? 0);
    expect(await server.sluice.getJson(`/api/messages/${stored!.id}`)).toMatchObject({
      subject: 'php.ini from README',
      envelope: { mailFrom: 'app@example.com', rcptTo: ['you@example.com'] },
    });
  });

  // The notes beside TLS snippets say "trust the CA first": without it, these clients refuse.
  it.for(['symfony-starttls', 'node-starttls', 'python-tls'])(
    '%s refuses the certificate until the CA is trusted',
    async (id, context) => {
      const snippet = connectSnippets(server.target).find((s) => s.id === id)!;
      const runner = RUNNERS[snippet.framework]!;
      if (!available(runner)) context.skip();
      const dir = mkdtempSync(join(tmpdir(), `sluice-untrusted-${id}-`));
      temps.push(dir);
      // An empty trust store for OpenSSL; Node's own list never had Sluice's CA.
      const env: Record<string, string> =
        snippet.trust === 'system' ? { SSL_CERT_FILE: '/dev/null' } : {};
      await expect(runner.run(snippet, { dir, env, subject: 'must fail' })).rejects.toThrow(
        /certificate|verify|STARTTLS/i,
      );
    },
  );
});

describe('with --smtp-auth, every snippet carries credentials', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer(['--smtp-auth', 'user:password']);
  });
  afterAll(() => server?.sluice.close());

  it('offers no snippet that would send without logging in', () => {
    const snippets = connectSnippets(server.target);
    expect(snippets.map((s) => s.mode)).not.toContain('login');
    expect(snippets.map((s) => s.framework)).not.toContain('php');
  });

  const plain = connectSnippets({ ...DEFAULT_TARGET, authRequired: true }).filter(
    (s) => s.mode === 'plain',
  );
  it.for(plain.map((s) => ({ id: s.id })))('$id', async ({ id }, context) => {
    const snippet = connectSnippets(server.target).find((s) => s.id === id)!;
    await runSnippet(server, snippet, context, { tls: false, authUser: 'user' });
  });
});

/** The plain snippets of clients that upgrade whenever STARTTLS is offered. */
const UPGRADING = [
  'rails-plain',
  'laravel-plain',
  'symfony-plain',
  'go-plain',
  'php-plain',
  'node-plain',
];

describe('with --smtp-require-tls, only snippets that use TLS are offered, and they work', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer(['--smtp-require-tls']);
  });
  afterAll(() => server?.sluice.close());

  it('drops the plain snippets of clients that would not upgrade', () => {
    const plain = connectSnippets(server.target).filter((s) => s.mode === 'plain');
    expect(plain.map((s) => s.id)).toEqual(UPGRADING);
  });

  // They upgrade on their own (sluice sendmail too) on the plain port, which requires it.
  it.for([...UPGRADING, 'django-starttls'])('%s', async (id, context) => {
    const snippet = connectSnippets(server.target).find((s) => s.id === id)!;
    await runSnippet(server, snippet, context, { tls: true, authUser: null });
  });
});

describe('with --smtp-tls-cert, the plain port offers STARTTLS with that certificate', () => {
  let server: Server;
  const own = mkdtempSync(join(tmpdir(), 'sluice-own-cert-'));
  temps.push(own);
  beforeAll(async () => {
    // "Your certificate": one issued by another Sluice's CA, which stands in for yours.
    const issuer = await startSluice([], { dataDir: own });
    await issuer.close();
    server = await startServer([
      ...['--smtp-tls-cert', join(own, 'sluice-tls.crt')],
      ...['--smtp-tls-key', join(own, 'sluice-tls.key')],
    ]);
    server.ca = join(own, 'sluice-ca.crt');
  });
  afterAll(() => server?.sluice.close());

  it('and clients that upgrade on their own verify it on plain snippets', async () => {
    const plain = connectSnippets(server.target).filter((s) => s.mode === 'plain');
    expect(plain.filter((s) => s.trust).map((s) => s.id)).toEqual(
      UPGRADING.filter((id) => id !== 'php-plain'),
    );
  });

  it.for(UPGRADING)('%s', async (id, context) => {
    const snippet = connectSnippets(server.target).find((s) => s.id === id)!;
    await runSnippet(server, snippet, context, { tls: true, authUser: null });
  });
});
