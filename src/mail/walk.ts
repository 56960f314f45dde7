import { MailParser, type Attachment, type ParsedMail } from 'mailparser';
import { isAsyncSource } from './raw-message.js';
import { StructureCheck } from './structure-check.js';
import type { RawMessage, RawSource } from './types.js';

/**
 * The parser is fed at most this much at a time, and the next slice only once it has taken
 * the last. Given a whole 50 MB message in one write, mailparser copied it whole and handed
 * a base64 body to the decoder in one piece, which turns it into strings of the same size:
 * parsing alone grew RSS by 5x the message (issue 5).
 */
export const SLICE_BYTES = 64 * 1024;

/** What mailparser read, and what it read past but could not make sense of. */
export type WalkedMail = ParsedMail & { readonly problems: readonly string[] };

/**
 * mailparser's simpleParser, except that an attachment's content is kept only when `keep`
 * asks for it; the others are counted and dropped as they stream past. Ingest keeps none
 * (parts are read back from the raw bytes on request), so a 50 MB attachment costs its
 * raw bytes once, not again decoded.
 */
export function walkMessage(
  raw: RawSource,
  options: ConstructorParameters<typeof MailParser>[0],
  keep: (index: number, attachment: Attachment) => boolean,
): Promise<WalkedMail> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser(options);
    const check = new StructureCheck();
    check.watch(parser);
    const mail = { attachments: [] as Attachment[] } as unknown as ParsedMail &
      Record<string, unknown>;
    let settled = false;
    // Resolves the write being waited for: a parser that failed may never call back.
    let wake = (): void => {};
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      wake();
      reject(error);
    };

    parser.on('error', fail);
    parser.on('headers', (headers) => {
      mail.headers = headers;
      mail.headerLines = (
        parser as unknown as { headerLines: ParsedMail['headerLines'] }
      ).headerLines;
    });

    let reading = false;
    const read = (): void => {
      reading = true;
      const data = parser.read();
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === 'text') {
        for (const key of ['text', 'html', 'textAsHtml'] as const) {
          if (key in data) (mail as Record<string, unknown>)[key] = data[key];
        }
        return read();
      }
      const attachment = data as unknown as Attachment & {
        content: NodeJS.ReadableStream;
        release(): void;
      };
      const wanted = keep(mail.attachments.length, attachment);
      mail.attachments.push(attachment);
      const chunks: Buffer[] = [];
      let size = 0;
      attachment.content.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (wanted) chunks.push(chunk);
      });
      attachment.content.on('end', () => {
        Object.assign(attachment, {
          content: wanted ? Buffer.concat(chunks, size) : Buffer.alloc(0),
          size,
        });
        attachment.release();
        read();
      });
    };
    parser.on('readable', () => {
      if (!reading) read();
    });

    parser.on('end', () => {
      const headers = mail.headers;
      for (const key of [
        'subject',
        'date',
        'to',
        'from',
        'cc',
        'bcc',
        'message-id',
        'in-reply-to',
        'reply-to',
      ]) {
        if (headers?.has(key))
          mail[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = headers.get(key);
      }
      if (!settled) {
        settled = true;
        resolve(Object.assign(mail, { problems: check.problems(mail) }));
      }
    });

    const feed = async () => {
      for await (const slice of isAsyncSource(raw) ? slicesOfStream(raw) : slicesOf(raw)) {
        if (settled) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          // An error in the write also reaches the 'error' listener, which rejects.
          parser.write(slice, () => resolve());
        });
      }
      if (!settled) parser.end();
    };
    feed().catch(fail);
  });
}

/**
 * The message in slices of SLICE_BYTES (the last one shorter), cut at the same offsets
 * however it was chunked, so that the parser sees the same writes for a whole buffer and
 * for any chunking of it. Slices inside one chunk are views of it; only a slice that spans
 * chunks is copied. A short tail is held as a view until another chunk shows it must be
 * joined: a small message in one chunk (nearly all of them) is given as it is, not copied
 * into a 64 KB buffer of its own, which was a tenth of a 2 KB message's parse and most of
 * the store thread's external memory churn (issue 12).
 */
export function* slicesOf(raw: RawMessage | Iterable<Buffer>): Generator<Buffer> {
  const slicer = new Slicer();
  for (const chunk of Buffer.isBuffer(raw) ? [raw] : raw) yield* slicer.take(chunk);
  yield* slicer.end();
}

/** slicesOf for chunks that come asynchronously, cut at the same offsets. */
export async function* slicesOfStream(raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const slicer = new Slicer();
  for await (const chunk of raw) yield* slicer.take(chunk);
  yield* slicer.end();
}

class Slicer {
  #staging: Buffer | null = null;
  #staged = 0;
  /** The end of the last chunk, shorter than a slice, not yet copied anywhere. */
  #tail: Buffer | null = null;

  *take(chunk: Buffer): Generator<Buffer> {
    if (chunk.length === 0) return;
    let at = 0;
    if (this.#tail) {
      // A fresh buffer each time: the parser may still hold the slice given before.
      this.#staging = Buffer.allocUnsafe(SLICE_BYTES);
      this.#staged = this.#tail.copy(this.#staging);
      this.#tail = null;
    }
    while (at < chunk.length) {
      if (this.#staging === null) {
        if (chunk.length - at < SLICE_BYTES) {
          this.#tail = chunk.subarray(at);
          return;
        }
        yield chunk.subarray(at, at + SLICE_BYTES);
        at += SLICE_BYTES;
        continue;
      }
      const copied = chunk.copy(
        this.#staging,
        this.#staged,
        at,
        Math.min(chunk.length, at + SLICE_BYTES - this.#staged),
      );
      this.#staged += copied;
      at += copied;
      if (this.#staged === SLICE_BYTES) {
        yield this.#staging;
        this.#staging = null;
        this.#staged = 0;
      }
    }
  }

  *end(): Generator<Buffer> {
    if (this.#tail) yield this.#tail;
    else if (this.#staging) yield this.#staging.subarray(0, this.#staged);
  }
}
