import { beforeEach } from 'vitest';

/** The seed every fuzz and fault test uses unless SLUICE_FUZZ_SEED names another. */
export const DEFAULT_SEED = 0x5111ce;

/**
 * The run's seed: SLUICE_FUZZ_SEED (decimal or 0x-hex) or the fixed default, so that
 * `npm test` feeds the same inputs every time and a failure can be replayed exactly.
 */
export function fuzzSeed(): number {
  const text = process.env.SLUICE_FUZZ_SEED?.trim();
  if (!text) return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`SLUICE_FUZZ_SEED must be an integer: ${text}`);
  return seed >>> 0;
}

/** Prints how to replay the run when a test in the calling file fails. */
export function printSeedOnFailure(seed: number): void {
  beforeEach((context) => {
    context.onTestFailed(() => {
      console.error(`fuzz seed ${seed}: replay with SLUICE_FUZZ_SEED=${seed}`);
    });
  });
}

/**
 * mulberry32: a tiny, fast 32-bit PRNG. Not for cryptography; here only the same
 * sequence for the same seed matters.
 */
export class Random {
  readonly seed: number;
  #state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#state = this.seed;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** Letters and digits, for boundaries, names and words. */
  word(length: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }

  /**
   * An independent generator derived from the seed and a label (not from draws so far),
   * so one test's inputs do not change when another test is added, removed or skipped.
   */
  fork(label: string): Random {
    let hash = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
    return new Random(hash >>> 0);
  }
}
