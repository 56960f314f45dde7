import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPython } from '../helpers/python.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendExact, storedBytes } from './smtp-send.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');

interface Expectation {
  subject: string | null;
  from: string | null;
  fromName?: string;
  to: string[];
  cc?: string[];
  textIncludes?: string;
  htmlIncludes?: string;
  attachments?: { filename: string; contentType: string; size: number }[];
  inlineCids?: string[];
  inlineParts?: { cid: string; filename: string; contentType: string; size: number }[];
  /** Words of the parse error the message is flagged with; none for a well-formed one. */
  parseError?: string;
}

interface Part {
  partId: string;
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
}

/** Decoded parts as Python's email package sees them: an independent reading of the bytes. */
const PYTHON_PARTS = `
import email, email.policy, hashlib, json, sys
message = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
parts = []
for part in message.walk():
    if part.is_multipart() or not (part.get_filename() or part['Content-ID']):
        continue
    data = part.get_payload(decode=True) or b''
    parts.append({'filename': part.get_filename(), 'cid': (part['Content-ID'] or '').strip('<> '),
                  'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data)})
print(json.dumps(parts))
`;

const PYTHON_DATE = `
import email, email.utils, json, sys
value = email.message_from_binary_file(open(sys.argv[1], 'rb'))['Date']
date = email.utils.parsedate_to_datetime(value) if value else None
print(json.dumps(date and date.astimezone(__import__('datetime').timezone.utc)
                 .isoformat(timespec='milliseconds').replace('+00:00', 'Z')))
`;

const expectations = JSON.parse(
  readFileSync(join(FIXTURES, 'expectations.json'), 'utf8'),
) as Record<string, Expectation>;
const names = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.eml'))
  .sort();

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The filename a browser would save: the RFC 6266 `filename*` when present. */
function dispositionFilename(header: string | null): string | null {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(header ?? '');
  if (extended) return decodeURIComponent(extended[1]!);
  return /filename="([^"]*)"/i.exec(header ?? '')?.[1] ?? null;
}

// Each hand-made fixture goes over SMTP into a real Sluice and is read back through the API.
describe('fixtures through SMTP and the API', () => {
  let sluice: TestSluice;
  const ids = new Map<string, number>();
  const bob = 'bob@example.com';

  beforeAll(async () => {
    sluice = await startSluice();
    for (const name of names) {
      const expected = expectations[name]!;
      const to = expected.to.length > 0 ? [...expected.to, ...(expected.cc ?? [])] : ['x@y.test'];
      // bcc-envelope.eml names alice and carol; bob is only on the envelope, as a BCC is.
      if (name === 'bcc-envelope.eml') to.push(bob);
      const { id } = await sendExact(
        sluice.smtpPort,
        { from: expected.from ?? 'sender@fixtures.test', to },
        readFileSync(join(FIXTURES, name)),
      );
      ids.set(name, id);
    }
  });
  afterAll(() => sluice?.close());

  const detailOf = (name: string) => sluice.getJson(`/api/messages/${ids.get(name)}`);

  it('has an expectation for every fixture', () => {
    expect(names.length).toBeGreaterThanOrEqual(24);
    expect(Object.keys(expectations).sort()).toEqual(names);
  });

  describe.each(names)('%s', (name) => {
    const expected = expectations[name]!;
    const file = () => readFileSync(join(FIXTURES, name));

    it('has the expected headers, decoded, in the list and the detail', async () => {
      const detail = await detailOf(name);
      const list = await sluice.getJson(`/api/messages?limit=500`);
      const summary = list.messages.find((m: { id: number }) => m.id === detail.id);
      for (const message of [summary, detail]) {
        expect(message.subject).toBe(expected.subject ?? '');
        expect(message.from?.address ?? null).toBe(expected.from);
        if (expected.fromName !== undefined) expect(message.from.name).toBe(expected.fromName);
        expect(message.to.map((a: { address: string }) => a.address)).toEqual(expected.to);
        if (expected.cc)
          expect(message.cc.map((a: { address: string }) => a.address)).toEqual(expected.cc);
        expect(message.parseError).toBe(expected.parseError !== undefined);
      }
      if (expected.parseError === undefined) expect(detail.parseErrorMessage).toBeNull();
      else expect(detail.parseErrorMessage).toContain(expected.parseError);
    });

    it('shows the same decoded values in the headers table', async () => {
      const { headers } = await sluice.getJson(`/api/messages/${ids.get(name)}/headers`);
      const value = (field: string) =>
        (headers as { name: string; value: string }[]).find((h) => h.name.toLowerCase() === field)
          ?.value;
      expect(value('subject') ?? null).toBe(expected.subject);
      if (expected.fromName) expect(value('from')).toContain(expected.fromName);
    });

    it('reads the Date header as Python does', async () => {
      const date = await runPython<string | null>(PYTHON_DATE, [join(FIXTURES, name)]);
      expect((await detailOf(name)).date).toBe(date);
    });

    it('decodes the body text and HTML', async () => {
      const detail = await detailOf(name);
      if (expected.textIncludes) expect(detail.text).toContain(expected.textIncludes);
      if (expected.htmlIncludes) expect(detail.html).toContain(expected.htmlIncludes);
      // eslint-disable-next-line no-control-regex
      expect(detail.snippet).not.toMatch(/[\u0000-\u0008]/);
    });

    it('keeps the raw bytes exactly', async () => {
      const response = await sluice.api(`/api/messages/${ids.get(name)}/raw`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('message/rfc822');
      const raw = Buffer.from(await response.arrayBuffer());
      // See storedBytes: only a file that does not end in CRLF gains one (the DATA terminator's).
      expect(raw.equals(storedBytes(file()))).toBe(true);
      expect((await detailOf(name)).size).toBe(raw.length);
    });

    if (expected.attachments)
      it('serves each attachment with its bytes and name', async () => {
        const id = ids.get(name)!;
        const parts = (await detailOf(name)).parts as Part[];
        const python = await runPython<{ filename: string; sha256: string }[]>(PYTHON_PARTS, [
          join(FIXTURES, name),
        ]);
        for (const attachment of expected.attachments!) {
          const part = parts.find((p) => p.filename === attachment.filename);
          expect(part, attachment.filename).toBeDefined();
          expect(part!.contentType).toBe(attachment.contentType);
          expect(part!.size).toBe(attachment.size);
          const response = await sluice.api(`/api/messages/${id}/parts/${part!.partId}`);
          expect(response.status).toBe(200);
          const bytes = new Uint8Array(await response.arrayBuffer());
          expect(bytes.length).toBe(attachment.size);
          expect(sha256(bytes)).toBe(
            python.find((p) => p.filename === attachment.filename)?.sha256,
          );
          expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
          expect(dispositionFilename(response.headers.get('content-disposition'))).toBe(
            attachment.filename,
          );
        }
      });

    if (expected.inlineParts)
      it('serves inline images by Content-ID', async () => {
        const id = ids.get(name)!;
        const parts = (await detailOf(name)).parts as Part[];
        const python = await runPython<{ cid: string; sha256: string }[]>(PYTHON_PARTS, [
          join(FIXTURES, name),
        ]);
        for (const inline of expected.inlineParts!) {
          const part = parts.find((p) => p.contentId === inline.cid);
          expect(part).toMatchObject({
            filename: inline.filename,
            contentType: inline.contentType,
            size: inline.size,
          });
          const response = await sluice.api(`/api/messages/${id}/cid/${inline.cid}`);
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toBe(inline.contentType);
          const bytes = new Uint8Array(await response.arrayBuffer());
          expect(bytes.length).toBe(inline.size);
          expect(sha256(bytes)).toBe(python.find((p) => p.cid === inline.cid)?.sha256);
        }
        const html = await (await sluice.api(`/api/messages/${id}/html`)).text();
        expect(html).not.toContain('cid:');
        for (const cid of expected.inlineCids!) {
          expect(html).toContain(`/api/messages/${id}/cid/${encodeURIComponent(cid)}`);
        }
      });
  });

  it('lists an envelope-only recipient as BCC', async () => {
    const detail = await detailOf('bcc-envelope.eml');
    expect(detail.envelope.rcptTo).toEqual(['alice@example.com', 'carol@example.com', bob]);
    expect(detail.bcc).toEqual([{ name: '', address: bob }]);
    const found = await sluice.getJson(`/api/messages?query=${encodeURIComponent(`to:${bob}`)}`);
    expect(found.messages.map((m: { id: number }) => m.id)).toContain(detail.id);
  });

  it('names no BCC when every envelope recipient is in a header', async () => {
    expect((await detailOf('plain-simple.eml')).bcc).toEqual([]);
  });

  it('serves a fixture line that starts with a dot unchanged', async () => {
    // The quoted-printable body of charset-iso-8859-1.eml has a line ". No=EBl approche!":
    // it goes dot-stuffed over SMTP and must come back with one dot.
    const raw = await (
      await sluice.api(`/api/messages/${ids.get('charset-iso-8859-1.eml')}/raw`)
    )
      .arrayBuffer()
      .then((bytes) => Buffer.from(bytes).toString('latin1'));
    expect(raw).toContain('\r\n. No=EBl approche!\r\n');
    expect(raw).not.toContain('\r\n.. No');
  });

  it('shows the malformed messages with what could be read', async () => {
    for (const name of ['malformed-bad-base64.eml', 'malformed-unterminated-boundary.eml']) {
      const response = await sluice.api(`/api/messages/${ids.get(name)}`);
      expect(response.status).toBe(200);
      const detail = await response.json();
      expect(detail.subject).toBe(expectations[name]!.subject);
    }
    const truncated = await detailOf('malformed-unterminated-boundary.eml');
    const part = (truncated.parts as Part[]).find((p) => p.filename === 'truncated.bin');
    expect(part).toBeDefined();
    const response = await sluice.api(`/api/messages/${truncated.id}/parts/${part!.partId}`);
    expect(response.status).toBe(200);
  });

  it('counts the attachments of a message with four', async () => {
    expect((await detailOf('attachments.eml')).attachmentCount).toBe(4);
  });
});
