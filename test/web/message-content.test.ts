import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPython } from '../helpers/python.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { expectJsonError, fixture, sendFixture, sendMail } from './support.js';

// Raw source, parts, inline images and HTML: everything served from captured mail, which
// is untrusted input (docs/architecture.md invariant 4).

let sluice: TestSluice;
let attachments: number;
let related: number;
let htmlOnly: number;
let hostile: number;
let links: number;
beforeAll(async () => {
  sluice = await startSluice();
  attachments = await sendFixture(sluice, 'attachments.eml', {
    from: 'dana@example.org',
    to: ['alice@example.com'],
  });
  related = await sendFixture(sluice, 'multipart-related-inline-image.eml', {
    from: 'billing@sluice.test',
    to: ['bob@example.com'],
  });
  htmlOnly = await sendFixture(sluice, 'html-only.eml', {
    from: 'news@example.com',
    to: ['alice@example.com'],
  });
  hostile = await sendMail(sluice, {
    from: 'mallory@example.com',
    to: 'alice@example.com',
    subject: 'Attachments a browser would render',
    text: 'see attached',
    attachments: [
      { filename: 'page.html', content: '<script>alert(1)</script>', contentType: 'text/html' },
      {
        filename: 'drawing.svg',
        content: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        contentType: 'image/svg+xml',
      },
      {
        filename: 'page.xhtml',
        content: '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
        contentType: 'application/xhtml+xml',
      },
      { filename: 'photo.png', content: fixturePng(), contentType: 'image/png' },
    ],
  });
  links = await sendMail(sluice, {
    from: 'links@example.com',
    to: 'alice@example.com',
    subject: 'Links',
    html:
      '<p><a href="https://example.com/one">one</a> <A HREF="https://example.com/two" target="_self">two</A>' +
      ' <abbr title="not a link">abbr</abbr> <img src="CID:logo@sluice.test"></p>',
  });
});
afterAll(() => sluice.close());

/** The 98-byte PNG inside the related fixture, as Python's email package decodes it. */
function fixturePng(): Buffer {
  const raw = fixture('multipart-related-inline-image.eml').toString('latin1');
  const base64 = /Content-ID: <logo@sluice.test>[\s\S]*?\r\n\r\n([\s\S]*?)\r\n--/.exec(raw)![1]!;
  return Buffer.from(base64.replace(/\s+/g, ''), 'base64');
}

function expectCapturedContentHeaders(response: Response): void {
  const csp = response.headers.get('content-security-policy') ?? '';
  const sandbox = csp.split(';').find((d) => d.trim().startsWith('sandbox'));
  expect(sandbox, csp).toBeDefined();
  expect(sandbox).not.toContain('allow-scripts');
  expect(sandbox).not.toContain('allow-same-origin');
  expect(csp).toContain("default-src 'none'");
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
}

function cspDirective(response: Response, name: string): string[] {
  const csp = response.headers.get('content-security-policy') ?? '';
  const directive = csp
    .split(';')
    .map((d) => d.trim().split(/\s+/))
    .find((words) => words[0] === name);
  return directive?.slice(1) ?? [];
}

/** RFC 6266: the UTF-8 name from filename*, and the ASCII fallback from filename. */
function dispositionOf(response: Response) {
  const header = response.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1];
  return {
    kind: header.split(';')[0]!.trim(),
    fallback: /filename="([^"]*)"/.exec(header)?.[1],
    filename: star === undefined ? undefined : decodeURIComponent(star),
    header,
  };
}

describe('GET /api/messages/:id/raw', () => {
  it('returns the bytes exactly as sent, as message/rfc822', async () => {
    const response = await sluice.api(`/api/messages/${attachments}/raw`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('message/rfc822');
    expect(Buffer.from(await response.arrayBuffer()).equals(fixture('attachments.eml'))).toBe(true);
    expect(dispositionOf(response).kind).toBe('inline');
    expectCapturedContentHeaders(response);
  });

  it('undoes SMTP dot-stuffing and keeps 8-bit bytes as sent', async () => {
    const raw = Buffer.from(
      'From: a@example.com\r\nTo: b@example.com\r\nSubject: dots\r\n\r\n' +
        '.one leading dot\r\n..two leading dots\r\n.\r\ncaf\xc3\xa9 \xff\xfe bytes\r\n',
      'latin1',
    );
    const id = await sendMail(sluice, {
      envelope: { from: 'a@example.com', to: ['b@example.com'] },
      raw,
    });
    const response = await sluice.api(`/api/messages/${id}/raw`);
    expect(Buffer.from(await response.arrayBuffer()).equals(raw)).toBe(true);
  });

  it('offers an .eml download with ?download', async () => {
    const response = await sluice.api(`/api/messages/${attachments}/raw?download`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('message/rfc822');
    expect(response.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="message-${attachments}\\.eml"`),
    );
    expectCapturedContentHeaders(response);
  });
});

describe('GET /api/messages/:id/parts/:partId', () => {
  it('serves each attachment with its type, byte-exact, with a UTF-8 filename', async () => {
    // Python's email package decodes the same fixture independently of mailparser.
    const script = `
import email, email.policy, json, sys, base64
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(json.dumps([
  {"filename": p.get_filename(), "type": p.get_content_type(),
   "content": base64.b64encode(p.get_payload(decode=True)).decode()}
  for p in msg.iter_attachments()]))`;
    const expected = await runPython<Array<{ filename: string; type: string; content: string }>>(
      script,
      [fileURLToPath(new URL('../fixtures/attachments.eml', import.meta.url))],
    );
    expect(expected).toHaveLength(4);
    for (const [index, part] of expected.entries()) {
      const response = await sluice.api(`/api/messages/${attachments}/parts/${index + 1}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(part.type);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(Buffer.from(part.content, 'base64')), part.filename).toBe(true);
      expect(response.headers.get('content-length')).toBe(String(body.length));
      const disposition = dispositionOf(response);
      expect(disposition.kind).toBe('attachment');
      expect(disposition.filename).toBe(part.filename);
      expect(disposition.fallback).toMatch(/^[\x20-\x7e]+$/);
      expectCapturedContentHeaders(response);
    }
  });

  it('names non-ASCII files with RFC 6266 filename*', async () => {
    const resume = dispositionOf(await sluice.api(`/api/messages/${attachments}/parts/3`));
    expect(resume.header).toContain("filename*=UTF-8''r%C3%A9sum%C3%A9.txt");
    expect(resume.filename).toBe('résumé.txt');
    const report = dispositionOf(await sluice.api(`/api/messages/${attachments}/parts/4`));
    expect(report.filename).toBe('Отчёт.txt');
  });

  it('never serves HTML, SVG or XHTML as a page, even when asked for inline', async () => {
    for (const partId of ['1', '2', '3']) {
      for (const query of ['', '?inline']) {
        const response = await sluice.api(`/api/messages/${hostile}/parts/${partId}${query}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type'), partId + query).toBe(
          'application/octet-stream',
        );
        expect(dispositionOf(response).kind).toBe('attachment');
        expectCapturedContentHeaders(response);
        expect(await response.text()).toContain('<script>');
      }
    }
  });

  it('downloads a part whose declared type is not a valid header value as octet-stream', async () => {
    // A sender-chosen type with a character outside Latin-1 once made the response throw (500).
    const raw = Buffer.from(
      'From: a@example.com\r\nTo: b@example.com\r\nSubject: odd type\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n' +
        '--b\r\nContent-Type: application/Ωmega; name="x.bin"\r\n' +
        'Content-Disposition: attachment; filename="x.bin"\r\n\r\nabc\r\n--b--\r\n',
      'utf8',
    );
    const id = await sendMail(sluice, {
      envelope: { from: 'a@example.com', to: ['b@example.com'] },
      raw,
    });
    const response = await sluice.api(`/api/messages/${id}/parts/1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(await response.text()).toBe('abc');
    expectCapturedContentHeaders(response);
  });

  it('shows a safe image inline only when asked', async () => {
    const download = await sluice.api(`/api/messages/${hostile}/parts/4`);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(dispositionOf(download).kind).toBe('attachment');
    const inline = await sluice.api(`/api/messages/${hostile}/parts/4?inline`);
    expect(inline.headers.get('content-type')).toBe('image/png');
    expect(dispositionOf(inline)).toMatchObject({ kind: 'inline', filename: 'photo.png' });
    expect(Buffer.from(await inline.arrayBuffer()).equals(fixturePng())).toBe(true);
    expectCapturedContentHeaders(inline);
  });

  it('refuses a part id that is not a number with 400 JSON', async () => {
    const response = await sluice.api(`/api/messages/${attachments}/parts/abc`);
    expect(response.status).toBe(400);
    expect((await expectJsonError(response)).error.code).toBe('invalid_request');
  });
});

describe('GET /api/messages/:id/cid/:contentId', () => {
  it('serves an inline image by Content-ID, raw or URL-encoded', async () => {
    for (const cid of ['logo@sluice.test', encodeURIComponent('logo@sluice.test')]) {
      const response = await sluice.api(`/api/messages/${related}/cid/${cid}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await response.arrayBuffer()).equals(fixturePng())).toBe(true);
      expect(dispositionOf(response)).toMatchObject({ kind: 'inline', filename: 'logo.png' });
      expectCapturedContentHeaders(response);
    }
  });

  it('serves a Content-ID that holds "/" and "%" through its encoded form', async () => {
    const contentId = 'img/1%2@odd.example';
    const id = await sendMail(sluice, {
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'Odd cid',
      html: `<img src="cid:${contentId}">`,
      attachments: [{ filename: 'odd.png', content: fixturePng(), cid: contentId }],
    });
    const html = await (await sluice.api(`/api/messages/${id}/html`)).text();
    const src = /<img src="([^"]+)"/.exec(html)![1]!;
    // A signed link, which the sandboxed preview may load without credentials.
    expect(src.split('?k=')[0]).toBe(`/api/messages/${id}/cid/${encodeURIComponent(contentId)}`);
    expect(src).toMatch(/\?k=\d+\.[\w-]{43}$/);
    const response = await sluice.api(src);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(fixturePng())).toBe(true);
  });
});

describe('GET /api/messages/:id/html', () => {
  it('rewrites cid: references to part URLs that serve the image', async () => {
    const response = await sluice.api(`/api/messages/${related}/html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).not.toMatch(/cid:/i);
    expect(html).toContain(`src="/api/messages/${related}/cid/logo%40sluice.test?k=`);
    expect(html).toContain('RCPT-2025-0001');
    expectCapturedContentHeaders(response);
    const image = await sluice.api(`/api/messages/${related}/cid/logo%40sluice.test`);
    expect(image.headers.get('content-type')).toBe('image/png');
  });

  it('opens every link in a new tab without an opener', async () => {
    const html = await (await sluice.api(`/api/messages/${links}/html`)).text();
    const anchors = html.match(/<a\b[^>]*>/gi) ?? [];
    expect(anchors).toHaveLength(2);
    for (const anchor of anchors) {
      // The first occurrence of an attribute wins (HTML parsing), so ours must come first.
      const rel = /\brel="([^"]*)"/i.exec(anchor)?.[1] ?? '';
      const target = /\btarget="([^"]*)"/i.exec(anchor)?.[1];
      expect(rel.split(/\s+/), anchor).toContain('noopener');
      expect(target, anchor).toBe('_blank');
    }
    expect(html).toContain('<abbr title="not a link">');
    expect(html).toContain(`/api/messages/${links}/cid/logo%40sluice.test`);
  });

  it('blocks remote images by default and allows them with ?remote=1', async () => {
    const blocked = await sluice.api(`/api/messages/${htmlOnly}/html`);
    const html = await blocked.text();
    expect(html).toContain('https://tracker.example/p.gif');
    expect(html).toContain('HTML-ONLY-MARKER');
    expect(cspDirective(blocked, 'img-src')).not.toContain('https:');
    expect(cspDirective(blocked, 'img-src')).not.toContain('*');
    expectCapturedContentHeaders(blocked);
    const allowed = await sluice.api(`/api/messages/${htmlOnly}/html?remote=1`);
    expect(cspDirective(allowed, 'img-src')).toContain('https:');
    expectCapturedContentHeaders(allowed);
  });

  it('shows blocked remote images as placeholders, not broken icons, until allowed', async () => {
    const id = await sendMail(sluice, {
      to: 'dev@example.com',
      subject: 'Placeholders',
      html:
        '<img id="a" src="https://cdn.test/logo.png" width="160" alt="Logo">' +
        "<img id='b' src='//cdn.test/x.png' srcset='//cdn.test/x2.png 2x'>" +
        '<picture><source srcset="http://cdn.test/p.webp"><img id="c" src=http://cdn.test/p.png></picture>' +
        '<img id="d" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><p data-src="https://t.test/">text</p>',
    });
    const html = await (await sluice.api(`/api/messages/${id}/html`)).text();
    const tags = Object.fromEntries(
      [...html.matchAll(/<(?:img|source)\b[^>]*>/gi)].map(([tag]) => [
        /id=["']?(\w)/.exec(tag)?.[1] ?? 'source',
        tag,
      ]),
    );
    for (const id of ['a', 'b', 'c']) {
      expect(tags[id], id).toMatch(/ src="data:image\/svg\+xml,/);
      expect(tags[id], id).toMatch(/ data-blocked-src=/);
    }
    expect(tags.a).toContain('data-blocked-src="https://cdn.test/logo.png" width="160" alt="Logo"');
    expect(tags.b).toContain("data-blocked-srcset='//cdn.test/x2.png 2x'");
    expect(tags.source).toBe('<source data-blocked-srcset="http://cdn.test/p.webp">');
    // What loads without the network is left alone, and so is text that only looks like a URL.
    expect(tags.d).toBe('<img id="d" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">');
    expect(html).toContain('<p data-src="https://t.test/">text</p>');

    const allowed = await (await sluice.api(`/api/messages/${id}/html?remote=1`)).text();
    expect(allowed).toContain(
      '<img id="a" src="https://cdn.test/logo.png" width="160" alt="Logo">',
    );
    expect(allowed).not.toContain('data-blocked');
  });

  it('answers 404 JSON for a message without HTML', async () => {
    const response = await sluice.api(`/api/messages/${attachments}/html`);
    expect(response.status).toBe(404);
    expect((await expectJsonError(response)).error.code).toBe('not_found');
  });
});
