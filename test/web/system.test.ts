import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendMany } from './support.js';

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startSluice([
    '--smtps',
    '127.0.0.1:0',
    '--max-message-size',
    '2MB',
    '--max-recipients',
    '7',
    '--max-messages',
    '100',
  ]);
});
afterAll(() => sluice.close());

describe('GET /api/health', () => {
  it('answers ok as JSON', async () => {
    const response = await sluice.api('/api/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /api/info', () => {
  it('names the version and the listeners on their real ports', async () => {
    const info = await sluice.getJson('/api/info');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.smtp).toEqual({ host: '127.0.0.1', port: sluice.smtpPort });
    expect(info.smtps).toEqual({ host: '127.0.0.1', port: sluice.smtpsPort });
    expect(info.http).toEqual({
      host: '127.0.0.1',
      port: sluice.addresses.http.port,
      basePath: '/',
      tls: false,
      auth: 'off',
    });
    expect(info.principal).toEqual({ name: 'anonymous', role: 'releaser', via: 'none' });
    expect(info.smtp.port).not.toBe(0);
    expect(info.smtps.port).not.toBe(info.smtp.port);
  });

  it('reports the TLS, auth, limit and retention settings', async () => {
    const info = await sluice.getJson('/api/info');
    // The plain port does not offer STARTTLS; the STARTTLS port does, with the local CA's certificate.
    expect(info.tls).toMatchObject({
      starttls: false,
      required: false,
      ca: join(sluice.dataDir, 'sluice-ca.crt'),
    });
    expect(info.starttls).toEqual({ host: '127.0.0.1', port: sluice.starttlsPort });
    expect(typeof info.tls.certificate).toBe('string');
    expect(info.auth).toEqual({ mode: 'optional', methods: ['PLAIN', 'LOGIN', 'CRAM-MD5'] });
    expect(info.limits).toEqual({
      maxMessageSize: 2 * 1024 * 1024,
      maxRecipients: 7,
      maxConnections: sluice.config.limits.maxConnections,
    });
    expect(info.retention).toEqual({ maxMessages: 100, maxAgeSeconds: 0, maxDatabaseBytes: 0 });
  });

  it('counts messages and reports the database file and its size', async () => {
    const before = await sluice.getJson('/api/info');
    const ids = await sendMany(sluice, 3);
    await sluice.api('/api/messages/mark', { json: { read: true, ids: [ids[0]] } });
    const info = await sluice.getJson('/api/info');
    expect(info.messages).toEqual({
      total: before.messages.total + 3,
      unread: before.messages.unread + 2,
    });
    expect(info.database.path).toBe(join(sluice.dataDir, 'sluice.db'));
    expect(info.database.bytes).toBeGreaterThan(0);
    expect(statSync(info.database.path).isFile()).toBe(true);
  });

  it('never shows SMTP credentials', async () => {
    const guarded = await startSluice(['--smtp-auth', 'app:s3cret-pass']);
    try {
      const response = await guarded.api('/api/info');
      const text = await response.text();
      expect(JSON.parse(text).auth.mode).toBe('required');
      expect(text).not.toContain('s3cret-pass');
    } finally {
      await guarded.close();
    }
  });
});
