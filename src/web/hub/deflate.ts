import { constants, deflateRawSync } from 'node:zlib';

/**
 * `Content-Encoding: deflate` (a zlib stream, RFC 1950/1951) whose compressed pieces are
 * made once and sent to every client: each piece is compressed on its own (no reference
 * back into an earlier one) and ends on a sync flush, not a final block, so any sequence
 * of pieces is one valid stream. A client's own state is the header it starts with and
 * the running Adler-32 of what it was sent, for the trailer that ends its stream.
 */

/** Compressed bytes, and what the client's checksum needs to account for them. */
export interface Piece {
  readonly bytes: Uint8Array;
  readonly plainLength: number;
  readonly adler: number;
}

/** Compresses one piece (a batch, a greeting) to be sent after any other piece. */
export function deflatePiece(plain: Uint8Array): Piece {
  const bytes = deflateRawSync(plain, { finishFlush: constants.Z_SYNC_FLUSH });
  return { bytes, plainLength: plain.byteLength, adler: adler32(plain) };
}

/** zlib header: deflate, 32 KB window, default level (FCHECK makes it a multiple of 31). */
const HEADER = Uint8Array.of(0x78, 0x9c);
/** An empty final block with fixed codes: BFINAL=1, BTYPE=01, end-of-block. */
const FINAL_BLOCK = Uint8Array.of(0x03, 0x00);

/** One client's zlib stream: header, pieces in order, trailer. */
export class DeflateStream {
  #adler = 1;

  start(): Uint8Array {
    return HEADER;
  }

  write(piece: Piece): Uint8Array {
    this.#adler = combineAdler32(this.#adler, piece.adler, piece.plainLength);
    return piece.bytes;
  }

  end(): Uint8Array {
    const trailer = Buffer.alloc(6);
    trailer.set(FINAL_BLOCK);
    trailer.writeUInt32BE(this.#adler >>> 0, 2);
    return trailer;
  }
}

const BASE = 65521;
/** Bytes summed before reducing modulo BASE without overflowing a double's integers. */
const NMAX = 5552;

export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += NMAX) {
    const end = Math.min(bytes.length, start + NMAX);
    for (let i = start; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= BASE;
    b %= BASE;
  }
  return ((b << 16) | a) >>> 0;
}

/** The Adler-32 of two byte runs together, from theirs (zlib's adler32_combine). */
export function combineAdler32(first: number, second: number, secondLength: number): number {
  const remainder = secondLength % BASE;
  let a = first & 0xffff;
  let b = (remainder * a) % BASE;
  a += (second & 0xffff) + BASE - 1;
  b += (first >>> 16) + (second >>> 16) + BASE - remainder;
  if (a >= BASE) a -= BASE;
  if (a >= BASE) a -= BASE;
  if (b >= 2 * BASE) b -= 2 * BASE;
  if (b >= BASE) b -= BASE;
  return ((b << 16) | a) >>> 0;
}
