import mailhog from 'mailhog';
import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSluice } from '../helpers/sluice.js';
import { capture, SAMPLE, settled, startRelaySluice, tempDir } from '../relay/support.js';
import { createCertificate, TestUpstream } from '../relay/upstream.js';

// The peers' release calls go through Sluice's relay to a real upstream SMTP server.
describe('release from the Mailpit and MailHog clients', () => {
  const dir = tempDir();
  let upstream: TestUpstream;
  let sluice: TestSluice;

  beforeAll(async () => {
    upstream = await TestUpstream.start({ certificate: await createCertificate() });
    sluice = await startRelaySluice(dir, {
      upstreams: [{ name: 'up', host: '127.0.0.1', port: upstream.port, tls: 'none' }],
      // The clients release to addresses the message was not sent to: allowed explicitly.
      release_to: ['*@example.test'],
    });
  });
  afterAll(async () => {
    await sluice.close();
    await upstream.close();
    dir.remove();
  });

  const deliveredTo = (subject: string) =>
    upstream.received
      .filter((r) => r.raw.toString().includes(`Subject: ${subject}`))
      .flatMap((r) => r.rcptTo);

  it('mailpit-api releaseMessage({To}) sends to those addresses', async () => {
    const id = await capture(sluice, ['eve@example.test'], SAMPLE('mailpit release'));
    const mailpit = new MailpitClient(sluice.baseUrl);
    expect(await mailpit.releaseMessage(String(id), { To: ['qa@example.test'] })).toBe('ok');
    await settled(sluice, id, 1);
    expect(deliveredTo('mailpit release')).toEqual(['qa@example.test']);
  });

  it('mailhog releaseMessage (JSON without a content type) sends to Email, not to its Host', async () => {
    const id = await capture(sluice, ['eve@example.test'], SAMPLE('mailhog release'));
    const client = mailhog({ host: '127.0.0.1', port: sluice.addresses.http.port });
    const response = await client.releaseMessage(String(id), {
      host: 'smtp.elsewhere.invalid',
      port: '25',
      email: 'hog@example.test',
    });
    expect(response.statusCode).toBe(200);
    await settled(sluice, id, 1);
    expect(deliveredTo('mailhog release')).toEqual(['hog@example.test']);
  });
});
