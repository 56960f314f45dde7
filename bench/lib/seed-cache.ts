import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPath } from './build.js';

/**
 * Seeded databases kept between benchmark runs (in bench/peers/, which git ignores), because
 * seeding through the store's one-transaction-per-message path takes minutes at 100,000.
 * The key covers everything that decides the content: the generator, the store and parser
 * code that wrote it, and the steps (sizes, delete markers) taken before.
 */
const CACHE_DIR = fileURLToPath(new URL('../peers/seed-cache/', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const INPUTS = [
  'bench/seed.ts',
  'bench/lib/templates.ts',
  'bench/lib/generator.ts',
  'bench/lib/vocabulary.ts',
];
const INPUT_DIRS = ['dist/store', 'dist/store/migrations', 'dist/mail'];
/** Larger databases are not worth the disk (12 GB at a million). */
export const MAX_CACHED_MESSAGES = 100_000;

export interface CachedSeed {
  readonly perSecond: number;
}

export function seedCacheKey(steps: unknown): string {
  const hash = createHash('sha256');
  const files = [
    ...INPUTS,
    ...INPUT_DIRS.flatMap((dir) =>
      readdirSync(buildPath(dir))
        .filter((f) => f.endsWith('.js'))
        .sort()
        .map((f) => `${dir}/${f}`),
    ),
  ];
  for (const file of files) {
    const path = file.startsWith('dist/') ? buildPath(file) : join(REPO, file);
    hash.update(file).update(readFileSync(path));
  }
  hash.update(JSON.stringify(steps));
  return hash.digest('hex').slice(0, 16);
}

/** Copies the cached database to `db`; null when there is none. */
export function restoreSeed(key: string, db: string): CachedSeed | null {
  const file = join(CACHE_DIR, `${key}.db`);
  const meta = join(CACHE_DIR, `${key}.json`);
  if (!existsSync(file) || !existsSync(meta)) return null;
  for (const suffix of ['-wal', '-shm']) rmSync(db + suffix, { force: true });
  copyFileSync(file, db);
  return JSON.parse(readFileSync(meta, 'utf8')) as CachedSeed;
}

/** Keeps a copy of `db` (closed, so its WAL is checkpointed into the file). */
export function saveSeed(key: string, db: string, seed: CachedSeed): void {
  if (existsSync(db + '-wal')) return;
  mkdirSync(CACHE_DIR, { recursive: true });
  copyFileSync(db, join(CACHE_DIR, `${key}.db`));
  writeFileSync(join(CACHE_DIR, `${key}.json`), JSON.stringify(seed));
}
