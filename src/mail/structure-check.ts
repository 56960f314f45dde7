import type { MailParser, ParsedMail } from 'mailparser';

/** A MIME node as mailparser's splitter (@zone-eu/mailsplit) hands it over. */
interface SplitterNode {
  readonly type: 'node';
  readonly multipart: string | false;
  readonly _boundary: Buffer | false;
  readonly encoding: string | false;
}

/** A line of a node's body (`body`) or of a multipart's delimiters and preamble (`data`). */
interface SplitterLine {
  readonly type: 'body' | 'data';
  readonly node: SplitterNode;
  readonly value: Buffer;
}

type SplitterChunk = SplitterNode | SplitterLine;

/**
 * How much base64 body of a message is checked byte by byte. The check costs about as much
 * per byte as a tenth of the decoding; past this a large attachment is decoded unchecked,
 * so a 50 MB message does not pay a quarter of a second for it on a loaded machine.
 */
export const BASE64_CHECK_BYTES = 1024 * 1024;

/** Bytes a base64 body may hold: the alphabet, padding and line breaks (RFC 2045 6.8). */
const BASE64_BYTES = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n')
  BASE64_BYTES[char.charCodeAt(0)] = 1;

/**
 * What mailparser reads past without a word but could not make sense of: a multipart whose
 * closing delimiter never came (the message was cut short), and a base64 body with bytes
 * outside base64 (decoded by skipping them, so the content is not what was sent). The chunks
 * mailparser's splitter hands it are watched on their way; this adds no parse of its own.
 */
export class StructureCheck {
  /** Multiparts whose closing delimiter has not come yet: their type and `--boundary--`. */
  readonly #unclosed = new Map<SplitterNode, { type: string; delimiter: Buffer }>();
  #badBase64 = false;
  #base64Checked = 0;

  /** Watches the splitter of `parser`; without one (another mailparser) it sees nothing. */
  watch(parser: MailParser): void {
    const splitter = (parser as unknown as { splitter?: { read?: unknown } }).splitter;
    if (!splitter || typeof splitter.read !== 'function') return;
    const read = splitter.read.bind(splitter) as (size?: number) => SplitterChunk | null;
    splitter.read = (size?: number) => {
      const chunk = read(size);
      if (chunk) this.#see(chunk);
      return chunk;
    };
  }

  /** Why the message could not be read as sent, or nothing. */
  problems(mail: Pick<ParsedMail, 'headerLines'>): string[] {
    const problems: string[] = [];
    if (!(mail.headerLines ?? []).some((line) => line.key)) {
      problems.push('no header block: the message does not begin with header fields');
    }
    for (const { type } of this.#unclosed.values()) {
      problems.push(`a ${type} part never ends: its closing boundary is missing (cut short?)`);
    }
    if (this.#badBase64) {
      problems.push('a base64 part holds bytes outside base64: it could not be decoded as sent');
    }
    return problems;
  }

  #see(chunk: SplitterChunk): void {
    if (chunk.type === 'node') {
      if (chunk.multipart && chunk._boundary) {
        const delimiter = Buffer.concat([DASHES, chunk._boundary, DASHES]);
        this.#unclosed.set(chunk, { type: `multipart/${chunk.multipart}`, delimiter });
      }
    } else if (chunk.type === 'data') {
      // Delimiter lines come as 'data', grouped with the preamble or epilogue around them
      // (and under the node the group began with), so each open multipart is looked for.
      for (const [node, { delimiter }] of this.#unclosed) {
        if (startsALine(chunk.value, delimiter)) this.#unclosed.delete(node);
      }
    } else if (chunk.node.encoding === 'base64' && !this.#badBase64) {
      if (this.#base64Checked >= BASE64_CHECK_BYTES) return;
      const part = chunk.value.subarray(0, BASE64_CHECK_BYTES - this.#base64Checked);
      this.#base64Checked += part.length;
      this.#badBase64 = hasForeignByte(part);
    }
  }
}

const DASHES = Buffer.from('--');

function hasForeignByte(line: Buffer): boolean {
  for (let i = 0; i < line.length; i++) if (BASE64_BYTES[line[i]!] === 0) return true;
  return false;
}

/** Whether `text` holds a line that begins with `prefix`. */
function startsALine(text: Buffer, prefix: Buffer): boolean {
  for (let at = text.indexOf(prefix); at >= 0; at = text.indexOf(prefix, at + 1)) {
    if (at === 0 || text[at - 1] === 0x0a) return true;
  }
  return false;
}
