import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMessage, readPart } from '../../src/mail/parse.js';
import type { PartContent } from '../../src/mail/types.js';
import { SLICE_BYTES, slicesOf, slicesOfStream } from '../../src/mail/walk.js';
import { describeWithCorpus, emlFiles } from '../helpers/corpus.js';

// The listener hands the parser the chunks that came off the socket, never one contiguous
// copy (issue 5); whatever the chunking, the parsed message must be the same.
const FIXTURES = join(import.meta.dirname, '../fixtures');
const CHUNK_SIZES = [1, 7, 64 * 1024, 64 * 1024 + 1];

const fixtures = [
  ...emlFiles(FIXTURES, { recursive: false }),
  ...emlFiles(join(FIXTURES, 'regressions'), { recursive: false }),
];

/** Views of `raw` in pieces of `size` bytes, as a socket would hand them over. */
function chunksOf(raw: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < raw.length; at += size) chunks.push(raw.subarray(at, at + size));
  return chunks;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The chunks as a database gives them back: one at a time, each after an await. */
function streamed(chunks: readonly Buffer[]): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) yield await Promise.resolve(chunk);
    },
  };
}

/** A part's info and a digest of its bytes, so that a mismatch does not print megabytes. */
const digest = (part: PartContent | null) =>
  part && { info: part.info, size: part.content.length, sha256: sha256(part.content) };

describe('slicesOf', () => {
  // Whole and chunked input both go through it, so comparing the two cannot see a byte it
  // loses or repeats; this checks it against the bytes themselves.
  const raw = Buffer.from(Array.from({ length: 3 * SLICE_BYTES + 12345 }, (_, i) => i % 251));

  it.each([1, 7, 1000, SLICE_BYTES - 1, SLICE_BYTES, SLICE_BYTES + 1, 3 * SLICE_BYTES])(
    'gives back every byte once, in order, in slices of 64 KB, from chunks of %i',
    (size) => {
      const slices = [...slicesOf(chunksOf(raw, size))];
      expect(Buffer.concat(slices).equals(raw)).toBe(true);
      expect(slices.map((s) => s.length)).toEqual([SLICE_BYTES, SLICE_BYTES, SLICE_BYTES, 12345]);
    },
  );

  it('gives back a whole buffer and uneven chunks the same way', () => {
    const uneven = [
      raw.subarray(0, 3),
      Buffer.alloc(0),
      raw.subarray(3, 70_000),
      raw.subarray(70_000),
    ];
    const slices = [...slicesOf(uneven)];
    expect(Buffer.concat(slices).equals(raw)).toBe(true);
    expect(slices.map((s) => s.length)).toEqual([...slicesOf(raw)].map((s) => s.length));
    expect([...slicesOf([])]).toEqual([]);
  });

  it('gives a message shorter than a slice as it is, and copies a tail only to join it', () => {
    const small = raw.subarray(0, 2048);
    const [only, ...none] = [...slicesOf([small])];
    expect(none).toEqual([]);
    // A view of the same memory: no 64 KB buffer is made for a 2 KB message.
    expect(only!.buffer).toBe(small.buffer);
    expect(only!.byteOffset).toBe(small.byteOffset);
    expect(only!.length).toBe(2048);
    const whole = raw.subarray(0, SLICE_BYTES + 100);
    const joined = [...slicesOf([whole.subarray(0, 100), whole.subarray(100)])];
    expect(joined.map((s) => s.length)).toEqual([SLICE_BYTES, 100]);
    expect(Buffer.concat(joined).equals(whole)).toBe(true);
    expect(joined[1]!.buffer).toBe(whole.buffer);
  });

  it('cuts chunks that come asynchronously at the same offsets (PostgreSQL staging)', async () => {
    for (const size of [7, SLICE_BYTES + 1, 256 * 1024]) {
      const slices: Buffer[] = [];
      for await (const slice of slicesOfStream(streamed(chunksOf(raw, size)))) slices.push(slice);
      expect(slices.map((s) => s.length)).toEqual([...slicesOf(raw)].map((s) => s.length));
      expect(Buffer.concat(slices).equals(raw)).toBe(true);
    }
  });
});

/** Parses `path` whole and in chunks of every size in CHUNK_SIZES: all the same. */
async function parsesAlikeInChunks(path: string): Promise<void> {
  const raw = readFileSync(path);
  const whole = await parseMessage(raw);
  for (const size of CHUNK_SIZES) {
    expect({ size, parsed: await parseMessage(chunksOf(raw, size)) }).toStrictEqual({
      size,
      parsed: whole,
    });
  }
  // Read back asynchronously, as a message staged on PostgreSQL is.
  expect(await parseMessage(streamed(chunksOf(raw, 7)))).toStrictEqual(whole);
}

describeWithCorpus('parseMessage from chunks, the corpus', (corpus) => {
  // Every 10th file of the real-world corpus keeps the run short and still covers each source.
  const sample = emlFiles(corpus, { recursive: true }).filter((_, i) => i % 10 === 0);

  it('finds the corpus sample', () => {
    expect(sample.length).toBeGreaterThanOrEqual(50);
  });

  it.each(sample)('parses %s the same whole and in chunks', parsesAlikeInChunks);
});

describe('parseMessage from chunks', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  it.each(fixtures)('parses %s the same whole and in chunks', parsesAlikeInChunks);

  it('reads an unparsable message from chunks as from a whole buffer', async () => {
    const raw = readFileSync(join(FIXTURES, 'regressions/parts-of-unparsable-message.eml'));
    const whole = await parseMessage(raw);
    // The fixture is there for this path: mailparser rejects it, the headers are still read.
    expect(whole.parseError).not.toBeNull();
    expect(whole.subject).toContain('1,001 empty parts');
    for (const size of CHUNK_SIZES) {
      expect(await parseMessage(chunksOf(raw, size))).toStrictEqual(whole);
    }
  });

  it('reads only the first 256 KB of an unparsable message for headers, from chunks too', async () => {
    // A 300 KB header, then more MIME parts than mailparser allows.
    const raw = Buffer.from(
      [
        'Subject: long header, then too many parts',
        `X-Long: ${'a'.repeat(300 * 1024)}`,
        'X-After: past the limit',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b\r\n\r\n'.repeat(1100) + '--b--',
        '',
      ].join('\r\n'),
    );
    const whole = await parseMessage(raw);
    expect(whole.parseError).not.toBeNull();
    expect(whole.subject).toBe('long header, then too many parts');
    expect(whole.headers.map((h) => h.name)).toEqual(['Subject', 'X-Long']);
    for (const size of [7, 1000, 64 * 1024 + 1]) {
      expect(await parseMessage(chunksOf(raw, size))).toStrictEqual(whole);
    }
  });

  it('keeps the last byte of the last chunk', async () => {
    const raw = Buffer.from('Subject: s\r\n\r\nends without a line break!');
    for (const size of [1, 7, raw.length]) {
      expect((await parseMessage(chunksOf(raw, size))).text).toBe('ends without a line break!');
    }
  });

  it('treats an empty message and an empty chunk list alike', async () => {
    const whole = await parseMessage(Buffer.alloc(0));
    expect(await parseMessage([])).toStrictEqual(whole);
    expect(await parseMessage([Buffer.alloc(0), Buffer.alloc(0)])).toStrictEqual(whole);
  });
});

describe('readPart from chunks', () => {
  const withParts = [
    'attachments.eml',
    'calendar-invite.eml',
    'multipart-related-inline-image.eml',
    'malformed-bad-base64.eml',
    'malformed-unterminated-boundary.eml',
    'regressions/part-filename-lone-surrogate.eml',
  ];

  it.each(withParts)('reads every part of %s as from a whole buffer', async (name) => {
    const raw = readFileSync(join(FIXTURES, name));
    const { parts } = await parseMessage(raw);
    expect(parts.length).toBeGreaterThan(0);
    for (const part of parts) {
      const selectors = [
        { partId: part.partId },
        ...(part.contentId ? [{ contentId: part.contentId }] : []),
      ];
      for (const selector of selectors) {
        const whole = digest(await readPart(raw, selector));
        expect(whole?.info).toStrictEqual(part);
        for (const size of CHUNK_SIZES) {
          expect(digest(await readPart(chunksOf(raw, size), selector))).toStrictEqual(whole);
        }
      }
    }
    expect(await readPart(chunksOf(raw, 7), { partId: String(parts.length + 1) })).toBeNull();
  });
});

describe('a multi-MB attachment from chunks', () => {
  // 6 MB of bytes that do not repeat within a base64 line, as a real file's would not.
  const binary = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i + 4 <= binary.length; i += 4) binary.writeUInt32LE((i * 2654435761) >>> 0, i);
  const base64 = binary.toString('base64').replace(/.{76}/g, '$&\r\n');
  const raw = Buffer.from(
    [
      'From: Big <big@example.com>',
      'To: inbox@example.com',
      'Subject: a big attachment',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="big"',
      '',
      '--big',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See the attachment.',
      '--big',
      'Content-Type: application/octet-stream; name="big.bin"',
      'Content-Disposition: attachment; filename="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      base64,
      '--big--',
      '',
    ].join('\r\n'),
  );
  // Sizes a TCP socket hands over (a few KB to 64 KB), not aligned to anything.
  const socketChunks = (): Buffer[] => {
    const chunks: Buffer[] = [];
    for (let at = 0, i = 0; at < raw.length; i++) {
      const size = 1 + ((i * 7919) % (64 * 1024));
      chunks.push(raw.subarray(at, at + size));
      at += size;
    }
    return chunks;
  };

  it('counts the decoded size of the attachment', async () => {
    const parsed = await parseMessage(socketChunks());
    expect(parsed.parseError).toBeNull();
    expect(parsed.text).toBe('See the attachment.');
    expect(parsed.parts).toHaveLength(1);
    expect(parsed.parts[0]).toMatchObject({ filename: 'big.bin', size: binary.length });
    expect(await parseMessage(raw)).toStrictEqual(parsed);
  });

  it('gives back the attachment byte for byte', async () => {
    const part = await readPart(socketChunks(), { partId: '1' });
    expect(part?.info.size).toBe(binary.length);
    expect(part && sha256(part.content)).toBe(sha256(binary));
  });
});
