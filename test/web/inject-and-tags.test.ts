import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { SseClient } from './sse.js';
import { expectJsonError, fixture } from './support.js';

describe('POST /api/messages: injecting through the SMTP ingest', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-message-size', '64KB']);
  });
  afterAll(() => sluice.close());

  it('stores a raw message byte for byte, with the envelope from its headers, and pushes it live', async () => {
    const events = await SseClient.connect(sluice.baseUrl + '/api/events');
    try {
      const raw = fixture('charset-euc-kr.eml');
      const response = await sluice.api('/api/messages', {
        json: { raw: raw.toString('base64'), encoding: 'base64' },
      });
      expect(response.status).toBe(201);
      const stored = (await response.json()) as { id: number; subject: string };
      expect(stored.subject).toBe('회의 안내');
      const detail = await sluice.getJson(`/api/messages/${stored.id}`);
      expect(detail.envelope).toEqual({
        mailFrom: 'minsu@example.kr',
        rcptTo: ['jiwoo@example.kr'],
      });
      expect(detail.client.helo).toBe('http-api');
      const bytes = Buffer.from(
        await (await sluice.api(`/api/messages/${stored.id}/raw`)).arrayBuffer(),
      );
      expect(bytes).toEqual(raw);
      expect(JSON.parse((await events.next('stored')).data).id).toBe(stored.id);
    } finally {
      events.close();
    }
  });

  it('composes a message from fields, tags it, and honours a given envelope', async () => {
    const response = await sluice.api('/api/messages', {
      json: {
        from: { name: 'App', address: 'app@example.com' },
        to: ['carol+welcome@example.com'],
        bcc: ['audit@example.com'],
        subject: 'Welcome',
        text: 'Hello Carol',
        html: '<p>Hello <b>Carol</b></p>',
        tags: ['onboarding'],
        attachments: [{ filename: 'a.txt', content: Buffer.from('attached').toString('base64') }],
      },
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: number };
    const detail = await sluice.getJson(`/api/messages/${id}`);
    expect(detail.tags).toEqual(['onboarding', 'welcome']);
    expect(detail.envelope.rcptTo).toEqual(['carol+welcome@example.com', 'audit@example.com']);
    expect(detail.bcc.map((a: { address: string }) => a.address)).toEqual(['audit@example.com']);
    expect(detail.html).toContain('<b>Carol</b>');
    expect(detail.parts.map((p: { filename: string }) => p.filename)).toEqual(['a.txt']);

    const enveloped = await sluice.api('/api/messages', {
      json: {
        raw: 'From: x@example.com\r\nTo: y@example.com\r\nSubject: env\r\n\r\nbody\r\n',
        envelope: { from: 'bounce@example.com', to: ['z@example.com'] },
      },
    });
    const summary = (await enveloped.json()) as { envelope: unknown };
    expect(summary.envelope).toEqual({ mailFrom: 'bounce@example.com', rcptTo: ['z@example.com'] });
  });

  it('answers bad input with a JSON 4xx and stores nothing', async () => {
    const before = (await sluice.getJson('/api/messages')).total;
    const noRecipient = await sluice.api('/api/messages', {
      json: { raw: 'Subject: x\r\n\r\nbody' },
    });
    expect((await expectJsonError(noRecipient)).error.code).toBe('invalid_request');
    const badField = await sluice.api('/api/messages', { json: { from: 'not an address' } });
    expect(badField.status).toBe(400);
    const overwrite = await sluice.api('/api/messages', {
      json: { from: 'a@example.com', to: ['b@example.com'], headers: { Subject: 'sneaky' } },
    });
    expect((await expectJsonError(overwrite)).error.message).toMatch(/cannot overwrite header/);
    const tooLarge = await sluice.api('/api/messages', {
      json: { raw: 'To: b@example.com\r\n\r\n' + 'x'.repeat(70 * 1024) },
    });
    expect(tooLarge.status).toBe(413);
    expect((await sluice.getJson('/api/messages')).total).toBe(before);
  });
});

describe('tags natively', () => {
  let sluice: TestSluice;
  let ids: number[];
  beforeAll(async () => {
    sluice = await startSluice();
    ids = [];
    for (const to of ['dan+alpha@example.com', 'erin@example.com']) {
      const response = await sluice.api('/api/messages', {
        json: { from: 'a@example.com', to: [to], subject: `to ${to}`, text: 'x' },
      });
      ids.push(((await response.json()) as { id: number }).id);
    }
  });
  afterAll(() => sluice.close());

  it('are listed, set, searched with tag:, renamed and removed', async () => {
    expect((await sluice.getJson('/api/tags')).tags).toEqual(['alpha']);
    const set = await sluice.api('/api/tags', {
      method: 'PUT',
      json: { ids: [ids[1]], tags: ['Beta', 'alpha'] },
    });
    expect(await set.json()).toEqual({ updated: 1 });
    const search = async (q: string) =>
      (await sluice.getJson(`/api/search?query=${encodeURIComponent(q)}`)).messages.map(
        (m: { id: number }) => m.id,
      );
    expect(await search('tag:ALPHA')).toEqual([ids[1], ids[0]]);
    expect(await search('tag:beta')).toEqual([ids[1]]);
    expect(await search('-tag:beta is:tagged')).toEqual([ids[0]]);
    await sluice.api('/api/tags/beta', { method: 'PATCH', json: { name: 'gamma' } });
    expect((await sluice.getJson('/api/tags')).tags).toEqual(['alpha', 'gamma']);
    await sluice.api('/api/tags/alpha', { method: 'DELETE' });
    expect((await sluice.getJson('/api/tags')).tags).toEqual(['gamma']);
    expect((await sluice.getJson(`/api/messages/${ids[0]}`)).tags).toEqual([]);
  });
});
