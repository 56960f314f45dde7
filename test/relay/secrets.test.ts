import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { sendExact } from '../mail/smtp-send.js';
import { createCertificate, TestUpstream } from './upstream.js';

// docs/architecture.md invariant 5: upstream credentials never appear in an API response or a log
// line. A Sluice with one working and one wrong password relays, fails, is asked about
// everything, and logs at debug level; neither password nor user name shows up anywhere.

const URL_PASSWORD = 'url-secret-Zq8!';
const FILE_PASSWORD = 'file-secret-Kx3?';
const USER = 'relay-user-7';
const dataDir = mkdtempSync(join(tmpdir(), 'sluice-secrets-'));
const logLines: string[] = [];
let upstream: TestUpstream;
let app: App;
let baseUrl: string;
let smtpPort: number;

beforeAll(async () => {
  upstream = await TestUpstream.start({
    certificate: await createCertificate(),
    users: { [USER]: URL_PASSWORD },
  });
  const passwordFile = join(dataDir, 'password');
  writeFileSync(passwordFile, FILE_PASSWORD);
  const configFile = join(dataDir, 'sluice.yaml');
  writeFileSync(
    configFile,
    stringify({
      relay: {
        upstreams: [
          {
            name: 'wrong',
            host: '127.0.0.1',
            port: upstream.port,
            tls: 'none',
            auth: 'login',
            user: USER,
            password_file: passwordFile,
          },
        ],
        rules: [
          { match: { recipient: '*@good.test' }, action: 'relay', upstream: 'default' },
          { match: { recipient: '*@bad.test' }, action: 'relay', upstream: 'wrong' },
        ],
        retry: { initial: '50ms' },
      },
    }),
  );
  const command = loadConfig({
    argv: [
      '--smtp',
      '127.0.0.1:0',
      '--smtp-starttls',
      'off',
      '--smtps',
      'off',
      '--http',
      '127.0.0.1:0',
      '--db',
      join(dataDir, 'db.sqlite'),
      '--config',
      configFile,
    ],
    env: {
      SLUICE_RELAY_URL: `smtp://${USER}:${encodeURIComponent(URL_PASSWORD)}@127.0.0.1:${upstream.port}?starttls=none`,
    },
  });
  if (command.kind !== 'run') throw new Error('expected run');
  app = createApp(command.config, { logger: createLogger('debug', (line) => logLines.push(line)) });
  const addresses = await app.start();
  baseUrl = `http://127.0.0.1:${addresses.http.port}`;
  smtpPort = addresses.smtp.port;
});
afterAll(async () => {
  await app.close();
  await upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function text(path: string): Promise<string> {
  const response = await fetch(baseUrl + path);
  expect(response.ok, path).toBe(true);
  return response.text();
}

describe('credentials', () => {
  it('appear in no API response and no log line, whether auth works or fails', async () => {
    const good = (
      await sendExact(
        smtpPort,
        { from: 'a@x.test', to: ['me@good.test'] },
        Buffer.from('Subject: good\r\n\r\nhi\r\n'),
      )
    ).id;
    const bad = (
      await sendExact(
        smtpPort,
        { from: 'a@x.test', to: ['me@bad.test'] },
        Buffer.from('Subject: bad\r\n\r\nhi\r\n'),
      )
    ).id;
    const states = async (id: number) =>
      (
        JSON.parse(await text(`/api/messages/${id}/relay`)) as {
          outbox: { entries: { state: string }[] };
        }
      ).outbox.entries.map((e) => e.state);
    await expect.poll(() => states(good)).toEqual(['sent']);
    await expect.poll(() => states(bad)).toEqual(['failed']);
    expect(upstream.authFailures).toEqual([`LOGIN ${USER}`]);

    const verified = await fetch(baseUrl + '/api/relay/verify', { method: 'POST' });
    expect(verified.status).toBe(200);
    const status = await text('/api/relay/status');
    expect(
      JSON.parse(status).upstreams.map((u: { verify: { ok: boolean } }) => u.verify.ok),
    ).toEqual([true, false]);
    const everything = [
      await verified.text(),
      status,
      await text(`/api/messages/${good}/relay`),
      await text(`/api/messages/${bad}/relay`),
      await text('/api/relay/outbox'),
      await text('/api/info'),
      logLines.join(''),
    ].join('\n');
    expect(logLines.some((line) => line.includes('relay attempt'))).toBe(true);
    for (const secret of [URL_PASSWORD, encodeURIComponent(URL_PASSWORD), FILE_PASSWORD, USER]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    }
  });
});
