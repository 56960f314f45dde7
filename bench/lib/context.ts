import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from './stats.js';
import type { BenchEngine } from './engines.js';
import type { Target } from './servers.js';

export type Mode = 'quick' | 'full';

export interface Goal {
  readonly op: '>=' | '<=';
  readonly value: number;
}

/** One line of the results table. */
export interface Row {
  readonly id: string;
  readonly group: string;
  readonly figure: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly values: Partial<Record<Target, Figure>>;
  /** The target for Sluice's figure, if it sets one. */
  readonly target?: Goal;
  readonly note?: string;
}

export interface BenchContext {
  readonly mode: Mode;
  /** Runs per cell; each cell is their median. */
  readonly runs: number;
  readonly peers: readonly Target[];
  /** Run Sluice once more under --cpu-prof per scenario and summarize where time went. */
  readonly profile: boolean;
  /** Mailbox sizes for the HTTP suite, when not the mode's default. */
  readonly tiers?: readonly number[];
  /** Seed the HTTP suite's databases even when the seed cache has them. */
  readonly freshSeed: boolean;
  readonly workDir: string;
  readonly resultsDir: string;
  /** The store engine under test (--db). */
  readonly engine: BenchEngine['name'];
  /** A new empty database for one Sluice run: a file in `dir`, or a PostgreSQL database. */
  newDatabase(dir: string): Promise<string>;
  readonly rows: Row[];
  readonly notes: string[];
  readonly profiles: string[];
  log(message: string): void;
  /** A fresh empty folder under the work dir. */
  scratch(name: string): string;
}

export function createContext(options: {
  mode: Mode;
  runs: number;
  peers: readonly Target[];
  profile: boolean;
  tiers?: readonly number[];
  freshSeed: boolean;
  resultsDir: string;
  engine: BenchEngine;
}): BenchContext & { cleanup(): void } {
  const workDir = mkdtempSync('/tmp/sluice-bench-');
  mkdirSync(options.resultsDir, { recursive: true });
  let counter = 0;
  const started = Date.now();
  const { engine, ...rest } = options;
  return {
    ...rest,
    engine: engine.name,
    newDatabase: (dir) => engine.newDatabase(dir),
    workDir,
    rows: [],
    notes: [],
    profiles: [],
    log: (message) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
      process.stderr.write(`[${seconds}s] ${message}\n`);
    },
    scratch: (name) => {
      const dir = join(workDir, `${String(++counter).padStart(3, '0')}-${name}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    cleanup: () => rmSync(workDir, { recursive: true, force: true }),
  };
}
