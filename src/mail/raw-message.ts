import type { RawMessage, RawSource } from './types.js';

/** A raw message as its chunks, whichever way it was given. */
export function chunksOf(raw: RawMessage): readonly Buffer[] {
  return Buffer.isBuffer(raw) ? [raw] : raw;
}

/** A raw source as chunks to iterate, without reading them all first. */
export function chunksFrom(raw: RawSource): Iterable<Buffer> {
  return Buffer.isBuffer(raw) ? [raw] : raw;
}
