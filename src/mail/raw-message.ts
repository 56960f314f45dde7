import type { RawMessage, RawSource } from './types.js';

/** A raw message as its chunks, whichever way it was given. */
export function chunksOf(raw: RawMessage): readonly Buffer[] {
  return Buffer.isBuffer(raw) ? [raw] : raw;
}

/** A source whose chunks come asynchronously (pieces read back from PostgreSQL). */
export function isAsyncSource(raw: RawSource): raw is AsyncIterable<Buffer> {
  return Symbol.asyncIterator in raw;
}
