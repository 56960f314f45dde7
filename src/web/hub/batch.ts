import type { StoreEvent } from '../../store/types.js';
import { deflatePiece, type Piece } from './deflate.js';
import type { Wire, WireFormat } from './types.js';

/** Events flushed together, and their bytes in each format, made on first use and shared. */
export class Batch {
  readonly events: readonly StoreEvent[];
  readonly #encoded = new Map<WireFormat, readonly Uint8Array[]>();
  readonly #deflated = new Map<WireFormat, Piece | null>();

  constructor(events: readonly StoreEvent[]) {
    this.events = events;
  }

  /** The writes for a client of this format: one joined chunk ('stream') or one per event. */
  chunksFor(format: WireFormat): readonly Uint8Array[] {
    let chunks = this.#encoded.get(format);
    if (!chunks) {
      chunks = encodeAll(format, this.events);
      this.#encoded.set(format, chunks);
    }
    return chunks;
  }

  /** The same for a client that takes deflate: one compressed piece ('stream' framing). */
  deflatedFor(format: WireFormat): Piece | null {
    let piece = this.#deflated.get(format);
    if (piece === undefined) {
      const chunks = this.chunksFor(format);
      piece = chunks.length === 0 ? null : deflatePiece(Buffer.concat(chunks));
      this.#deflated.set(format, piece);
    }
    return piece;
  }
}

/** Encodes events for one client (a replay page) or for all (a batch). */
export function encodeAll(format: WireFormat, events: readonly StoreEvent[]): Uint8Array[] {
  const pieces: Wire[] = [];
  for (const event of events) {
    const wire = format.encode(event);
    if (wire !== null) pieces.push(wire);
  }
  if (format.framing === 'message') return pieces.map(toBytes);
  if (pieces.length === 0) return [];
  if (pieces.every((piece) => typeof piece === 'string')) return [Buffer.from(pieces.join(''))];
  return [Buffer.concat(pieces.map(toBytes))];
}

export function toBytes(wire: Wire): Uint8Array {
  return typeof wire === 'string' ? Buffer.from(wire) : wire;
}

export function byteLength(chunks: readonly Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  return total;
}
