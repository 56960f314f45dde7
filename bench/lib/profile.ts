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
  /** Sampled time the thread was not idle (waiting in its event loop). */
  readonly busySeconds: number;
  /** Time spent in the function itself. */
  readonly self: readonly ProfileLine[];
  /** Time spent in the function and everything it called. */
  readonly inclusive: readonly ProfileLine[];
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
  const idle = self.get('(idle)') ?? 0;
  // Shares of the busy time: an idle thread's waiting says nothing about where work goes.
  const rank = (map: Map<string, number>) =>
    [...map]
      .filter(([where]) => !where.startsWith('(root)') && !where.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, time]) => ({ percent: (100 * time) / (total - idle), where }));
  return {
    seconds: total / 1e6,
    busySeconds: (total - idle) / 1e6,
    self: rank(self),
    inclusive: rank(inclusive),
  };
}

/** Every thread's profile in `dir`, in thread order (main thread first). */
export function summarizeThreads(
  dir: string,
  top = 15,
): { thread: number; summary: ProfileSummary }[] {
  // node names them CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile.
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ thread: Number(f.split('.')[4]), summary: summarizeProfile(join(dir, f), top) }))
    .sort((a, b) => a.thread - b.thread);
}

/** Sluice's threads by node's thread id: the writer starts first, its reader on the first read. */
export function sluiceThreadName(thread: number): string {
  return (
    ['main thread', "store's writer thread", "store's reader thread"][thread] ?? `thread ${thread}`
  );
}

/** One thread's busy time and its top functions, as shares and as µs per message. */
export function formatThreadProfile(
  title: string,
  summary: ProfileSummary,
  messages: number,
): string {
  const perMessage = (percent: number) =>
    ((summary.busySeconds * percent * 1e4) / messages).toFixed(0);
  const lines = (list: readonly ProfileLine[]) =>
    list
      .map(
        (l) =>
          `  ${l.percent.toFixed(1).padStart(5)}% ${perMessage(l.percent).padStart(6)} µs  ${l.where}`,
      )
      .join('\n');
  const busyPerMessage = ((summary.busySeconds / messages) * 1e6).toFixed(0);
  return (
    `### ${title}: ${summary.busySeconds.toFixed(2)} s busy, ${busyPerMessage} µs per message\n\n` +
    `self time (share of busy, µs per message):\n\n\`\`\`\n${lines(summary.self)}\n\`\`\`\n\n` +
    `inclusive time:\n\n\`\`\`\n${lines(summary.inclusive)}\n\`\`\`\n`
  );
}
