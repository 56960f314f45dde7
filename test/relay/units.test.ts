import { describe, expect, it } from 'vitest';
import { checkAddress } from '../../src/relay/addresses.js';
import { InvalidAddressError } from '../../src/relay/errors.js';
import { classifyError, nextRetry } from '../../src/relay/outcome.js';
import { parseMessage } from '../../src/mail/parse.js';
import { overrideFrom } from '../../src/relay/overrides.js';
import { compilePattern } from '../../src/relay/patterns.js';

describe('patterns', () => {
  it.each([
    ['*@ourcompany.com', 'ann@OurCompany.com', true],
    ['*@ourcompany.com', 'ann@ourcompany.com.evil.test', false],
    ['ann?@x.test', 'ann1@x.test', true],
    ['a.b@x.test', 'axb@x.test', false],
    ['/^qa\\+\\d+@/', 'qa+12@x.test', true],
    ['/^QA/i', 'qa@x.test', true],
    ['/^QA/', 'qa@x.test', false],
  ])('%s against %s', (pattern, text, expected) => {
    expect(compilePattern(pattern)(text)).toBe(expected);
  });
});

describe('addresses typed by a person', () => {
  it.each(['a@b.test', ' a.b+c@sub.b-c.test '])('accepts %j', (address) => {
    expect(checkAddress(address)).toBe(address.trim());
  });
  it.each([
    'a@b.test\r\n',
    'a@b\n.test',
    'a@b.test\0',
    'a',
    '@b.test',
    'a@',
    'a b@c.test',
    'a@-b.test',
    'x'.repeat(65) + '@b.test',
  ])('refuses %j', (address) => {
    expect(() => checkAddress(address)).toThrow(InvalidAddressError);
  });
});

describe('retry schedule', () => {
  const options = { initialMs: 1000, maxMs: 8000, maxAgeMs: 60_000 };
  it('doubles from the initial delay up to the maximum, with ±20% jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => nextRetry(n, 0, options, 0, () => 0.5)!.getTime());
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(nextRetry(1, 0, options, 0, () => 0)!.getTime()).toBe(800);
    expect(nextRetry(1, 0, options, 0, () => 1)!.getTime()).toBe(1200);
  });
  it('gives up past the maximum age', () => {
    expect(nextRetry(3, 0, options, 58_000, () => 0.5)).toBeNull();
    expect(nextRetry(3, 0, options, 50_000, () => 0.5)).not.toBeNull();
  });
});

describe('classifying failures', () => {
  it.each([
    [{ code: 'EENVELOPE', responseCode: 550, response: '550 no' }, 'permanent'],
    [{ code: 'EMESSAGE', responseCode: 451, response: '451 later' }, 'transient'],
    [{ code: 'EAUTH', responseCode: 454, response: '454 temp auth' }, 'permanent'],
    [{ code: 'EPROTOCOL', responseCode: 503, response: '503 bad sequence' }, 'transient'],
    [{ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'transient'],
    [{ code: 'ETIMEDOUT', message: 'Connection timeout' }, 'transient'],
    [{ code: 'ESOCKET', message: 'self-signed certificate' }, 'permanent'],
  ])('%j is %s', (error, kind) => {
    expect(classifyError(error).kind).toBe(kind);
  });
});

describe('From override', () => {
  it('replaces a folded From, keeps it in X-Original-From, and leaves the rest alone', () => {
    const raw = Buffer.from(
      'Subject: s\r\nFrom: "A, B"\r\n <a@b.test>\r\nTo: c@d.test\r\n\r\nFrom: body line\r\n',
    );
    expect(overrideFrom(raw, 'Relay <r@x.test>').toString()).toBe(
      'Subject: s\r\nFrom: Relay <r@x.test>\r\nX-Original-From: "A, B"\r\n <a@b.test>\r\nTo: c@d.test\r\n\r\nFrom: body line\r\n',
    );
  });
  it('writes a name beyond ASCII as RFC 2047 encoded words, folded, in ASCII bytes', async () => {
    const raw = Buffer.from('From: a@b.test\r\nSubject: s\r\n\r\nbody\r\n');
    const out = overrideFrom(
      raw,
      'Jörg Müller-Lüdenscheidt vom Großen Entwicklungsbüro <r@x.test>',
    );
    expect([...out].every((byte) => byte < 0x80)).toBe(true);
    const header = out.toString().split('\r\nX-Original-From:')[0]!;
    expect(header.split('\r\n').every((line) => line.length <= 78)).toBe(true);
    // Read back as a mail client would.
    const parsed = await parseMessage(out);
    expect(parsed.from).toEqual({
      name: 'Jörg Müller-Lüdenscheidt vom Großen Entwicklungsbüro',
      address: 'r@x.test',
    });
  });
  it('replaces every From, keeping each original', () => {
    const raw = Buffer.from('From: one@a.test\r\nTo: c@d.test\r\nfrom: two@b.test\r\n\r\nbody\r\n');
    expect(overrideFrom(raw, 'r@x.test').toString()).toBe(
      'From: r@x.test\r\nX-Original-From: one@a.test\r\nTo: c@d.test\r\nX-Original-From: two@b.test\r\n\r\nbody\r\n',
    );
  });
  it('adds a From when there is none', () => {
    expect(overrideFrom(Buffer.from('Subject: s\r\n\r\nbody\r\n'), 'r@x.test').toString()).toBe(
      'From: r@x.test\r\nSubject: s\r\n\r\nbody\r\n',
    );
  });
});
