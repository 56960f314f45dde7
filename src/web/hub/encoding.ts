import type { Batch } from './batch.js';
import { DeflateStream, deflatePiece, type Piece } from './deflate.js';
import type { WireFormat } from './types.js';

export type { Piece };
export type EncodingName = 'identity' | 'deflate';

/** One client's stream in an encoding: what it starts with, each piece, what ends it. */
export interface ClientStream {
  head(): Uint8Array | null;
  bytes(piece: Piece): Uint8Array;
  tail(): Uint8Array | null;
}

/**
 * How bytes travel to a client: as they are, or compressed (HTTP Content-Encoding). Shared
 * pieces are made once per batch, format and encoding; a client's own (its greeting, a
 * replay page) are made for it.
 */
export interface Encoding {
  readonly name: EncodingName;
  shared(batch: Batch, format: WireFormat): readonly Piece[];
  own(chunks: readonly Uint8Array[]): readonly Piece[];
  /** Bytes every client is sent alike (a heartbeat), encoded once. */
  constant(bytes: Uint8Array): Piece;
  open(): ClientStream;
}

const plain = (bytes: Uint8Array): Piece => ({ bytes, plainLength: bytes.byteLength, adler: 0 });

export const IDENTITY: Encoding = {
  name: 'identity',
  shared: (batch, format) => batch.chunksFor(format).map(plain),
  own: (chunks) => chunks.map(plain),
  constant: plain,
  open: () => ({ head: () => null, bytes: (piece) => piece.bytes, tail: () => null }),
};

const constants = new WeakMap<Uint8Array, Piece>();

/** For streams only (framing 'stream'): a batch is one piece. */
export const DEFLATE: Encoding = {
  name: 'deflate',
  shared: (batch, format) => {
    const piece = batch.deflatedFor(format);
    return piece ? [piece] : [];
  },
  own: (chunks) => (chunks.length === 0 ? [] : [deflatePiece(Buffer.concat(chunks))]),
  constant: (bytes) => {
    let piece = constants.get(bytes);
    if (!piece) constants.set(bytes, (piece = deflatePiece(bytes)));
    return piece;
  },
  open: () => {
    const stream = new DeflateStream();
    return {
      head: () => stream.start(),
      bytes: (piece) => stream.write(piece),
      tail: () => stream.end(),
    };
  },
};

/** The encoding to answer a request with: deflate when its Accept-Encoding allows it. */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding {
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    if (name === 'deflate' && (q === undefined || Number(q) > 0)) return DEFLATE;
  }
  return IDENTITY;
}
