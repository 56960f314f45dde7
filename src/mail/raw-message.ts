import type { RawMessage } from './types.js';

/** A raw message as its chunks, whichever way it was given. */
export function chunksOf(raw: RawMessage): readonly Buffer[] {
  return Buffer.isBuffer(raw) ? [raw] : raw;
}
