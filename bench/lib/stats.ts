/** A measured figure: the median of several runs with their spread. */
export interface Cell {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
  /** Why a run is suspect, e.g. messages lost; shown beside the figure. */
  readonly warning?: string;
}

/** A figure that was not measured, and why. */
export interface Missing {
  readonly na: string;
}

export type Figure = Cell | Missing;

export function isCell(figure: Figure | undefined): figure is Cell {
  return figure !== undefined && 'median' in figure;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function toCell(runs: readonly number[], warning?: string): Cell {
  return {
    median: median(runs),
    min: Math.min(...runs),
    max: Math.max(...runs),
    runs,
    ...(warning ? { warning } : {}),
  };
}

export function missing(reason: string): Missing {
  return { na: reason };
}
