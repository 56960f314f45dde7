import type { StoreEvent } from '../../store/types.js';
import { deflatePiece, type Piece } from './deflate.js';
import type { Encoded, ResetNotice, Wire, WireFormat } from './types.js';

/**
 * Events flushed together (`seq` counts the flushes), and their bytes in each format, made
 * once and shared by every client of that format.
 */
export class Batch {
  readonly events: readonly StoreEvent[];
  readonly seq: number;
  readonly #encoded = new Map<WireFormat, readonly Uint8Array[]>();
  readonly #deflated = new Map<WireFormat, Piece | null>();
  /** Set when the batch goes as one reset to formats that allow it (fanout-budget.ts). */
  #burst: ResetNotice | null = null;
  readonly #resets = new Map<WireFormat, readonly Uint8Array[]>();

  constructor(events: readonly StoreEvent[], seq: number) {
    this.events = events;
    this.seq = seq;
  }

  /**
   * Encodes the batch for a format now; for a format that reads the store to encode (its
   * `encode` returns promises), returns the promise to wait for before chunksFor.
   */
  prepare(format: WireFormat): Promise<void> | null {
    if (this.#encoded.has(format)) return null;
    const outputs = this.events.map((event) => format.encode(event));
    if (!outputs.some((output) => output instanceof Promise)) {
      this.#encoded.set(format, join(format, outputs as Encoded[]));
      return null;
    }
    // An event that cannot be encoded any more (its message was deleted meanwhile) is skipped.
    const settled = outputs.map((output) => Promise.resolve(output).catch(() => null));
    return Promise.all(settled).then((encoded) => {
      this.#encoded.set(format, join(format, encoded));
    });
  }

  /** The writes for a client of this format: one joined chunk ('stream') or one per message. */
  chunksFor(format: WireFormat): readonly Uint8Array[] {
    if (this.#burst && format.resetsBursts) return this.#resetFor(format);
    if (this.prepare(format) !== null) throw new Error(`${format.name}: prepare the batch first`);
    return this.#encoded.get(format)!;
  }

  /**
   * From now on formats that allow it get this batch as one reset ('burst') instead of its
   * events: it was too large to send to every client as it is.
   */
  collapse(notice: ResetNotice): void {
    this.#burst = notice;
    this.#deflated.clear();
  }

  #resetFor(format: WireFormat): readonly Uint8Array[] {
    let chunks = this.#resets.get(format);
    if (!chunks) {
      const reset = format.reset(this.#burst!);
      this.#resets.set(format, (chunks = reset === null ? [] : [toBytes(reset)]));
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

function join(format: WireFormat, encoded: readonly Encoded[]): Uint8Array[] {
  const pieces = encoded.flatMap((output): Wire[] =>
    output === null ? [] : Array.isArray(output) ? [...(output as Wire[])] : [output as Wire],
  );
  if (format.framing === 'message') return pieces.map(toBytes);
  if (pieces.length === 0) return [];
  if (pieces.every((piece) => typeof piece === 'string')) return [Buffer.from(pieces.join(''))];
  return [Buffer.concat(pieces.map(toBytes))];
}

export function toBytes(wire: Wire): Uint8Array {
  return typeof wire === 'string' ? Buffer.from(wire) : wire;
}
