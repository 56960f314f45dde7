import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V8 .cpuprofile that a summary needs. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  readonly percent: number;
  readonly where: string;
}

export interface ProfileSummary {
  readonly seconds: number;
  /** Time spent in the function itself. */
  readonly self: readonly ProfileLine[];
  /** Time spent in the function and everything it called. */
  readonly inclusive: readonly ProfileLine[];
}

/** Top functions of the newest profile in `dir` (what `node --cpu-prof` wrote on exit). */
export function summarizeProfileDir(dir: string, top = 15): ProfileSummary | null {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  const newest = files.at(-1);
  return newest ? summarizeProfile(join(dir, newest), top) : null;
}

export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const name = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist|src)\//, '$1/');
    return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((sample, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const key = name(sample);
    self.set(key, (self.get(key) ?? 0) + delta);
    // Count each function once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const frame = name(id);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + delta);
    }
  });
  const rank = (map: Map<string, number>) =>
    [...map]
      .filter(([where]) => !where.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, time]) => ({ percent: (100 * time) / total, where }));
  return { seconds: total / 1e6, self: rank(self), inclusive: rank(inclusive) };
}

export function formatProfile(title: string, summary: ProfileSummary): string {
  const lines = (list: readonly ProfileLine[]) =>
    list.map((l) => `  ${l.percent.toFixed(1).padStart(5)}%  ${l.where}`).join('\n');
  return (
    `### ${title} (${summary.seconds.toFixed(1)} s sampled)\n\n` +
    `self time:\n\n\`\`\`\n${lines(summary.self)}\n\`\`\`\n\n` +
    `inclusive time:\n\n\`\`\`\n${lines(summary.inclusive)}\n\`\`\`\n`
  );
}
