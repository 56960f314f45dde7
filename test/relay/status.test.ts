import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSluice } from '../helpers/process.js';
import type { TestSluice } from '../helpers/sluice.js';
import { PASSWORD, startRelaySluice, tempDir } from './support.js';
import { createCertificate, TestUpstream, type TestCertificate } from './upstream.js';

// GET /api/relay/status never logs in to the provider (Gmail and SES lock accounts after a
// burst of logins); POST /api/relay/verify does, at most once a minute. Verification fails
// when credentials are configured but the upstream does not offer AUTH.

const dir = tempDir();
let certificate: TestCertificate;
const upstreams: TestUpstream[] = [];
const running: TestSluice[] = [];

beforeAll(async () => {
  certificate = await createCertificate();
});
afterAll(async () => {
  for (const sluice of running) await sluice.close();
  for (const upstream of upstreams) await upstream.close();
  dir.remove();
});

async function relayWith(upstream: TestUpstream): Promise<TestSluice> {
  dir.write('relay-password', PASSWORD);
  const sluice = await startRelaySluice(dir, {
    upstreams: [
      {
        name: 'provider',
        host: '127.0.0.1',
        port: upstream.port,
        tls: 'none',
        auth: 'login',
        user: 'relay',
        password_file: `${dir.path}/relay-password`,
      },
    ],
  });
  running.push(sluice);
  return sluice;
}

interface Status {
  upstreams: { name: string; verify: { ok: boolean; reply: string; checkedAt: string } | null }[];
}

describe('relay status', () => {
  it('20 GETs log in to the upstream at most once; verify logs in once a minute', async () => {
    const upstream = await TestUpstream.start({ certificate, users: { relay: PASSWORD } });
    upstreams.push(upstream);
    const sluice = await relayWith(upstream);

    for (let i = 0; i < 20; i++) {
      const status = await sluice.getJson<Status>('/api/relay/status');
      expect(status.upstreams[0]!.verify).toBeNull();
    }
    expect(upstream.logins).toBeLessThanOrEqual(1);
    expect(upstream.logins).toBe(0);

    const before = Date.now();
    const verified = await sluice.api('/api/relay/verify', { method: 'POST' });
    expect(verified.status).toBe(200);
    const result = ((await verified.json()) as Status).upstreams[0]!.verify!;
    expect(result).toMatchObject({
      ok: true,
      reply: 'connected (tls: none), authenticated (login)',
    });
    expect(Date.parse(result.checkedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(upstream.logins).toBe(1);

    for (let i = 0; i < 20; i++) {
      const status = await sluice.getJson<Status>('/api/relay/status');
      expect(status.upstreams[0]!.verify).toEqual(result);
    }
    const again = await sluice.api('/api/relay/verify', { method: 'POST' });
    expect(again.status).toBe(429);
    const retryAfter = Number(again.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      'too_many_requests',
    );
    expect(upstream.logins).toBe(1);
  });

  it('verify fails when credentials are configured and the upstream offers no AUTH', async () => {
    // An upstream without users does not advertise AUTH at all.
    const upstream = await TestUpstream.start({ certificate, starttls: false });
    upstreams.push(upstream);
    const sluice = await relayWith(upstream);
    const verified = await sluice.api('/api/relay/verify', { method: 'POST' });
    expect(verified.status).toBe(200);
    const result = ((await verified.json()) as Status).upstreams[0]!.verify!;
    expect(result.ok).toBe(false);
    expect(result.reply).toMatch(/^upstream offers no AUTH \(tls: none\)/);

    const config = dir.write(
      'no-auth.yaml',
      `relay:\n  upstreams:\n    - {name: provider, host: 127.0.0.1, port: ${upstream.port}, tls: none, auth: plain, user: relay, password_env: RELAY_PASSWORD}\n`,
    );
    const cli = await runSluice(['relay', 'verify', '--config', config], {
      RELAY_PASSWORD: PASSWORD,
    });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(
      new RegExp(`^FAIL provider 127\\.0\\.0\\.1:${upstream.port}: upstream offers no AUTH`),
    );
    expect(cli.stdout).not.toContain(PASSWORD);
    expect(upstream.logins).toBe(0);
  });
});
