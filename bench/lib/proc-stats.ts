import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What the kernel says about a server process: CPU time and memory. */
export interface ProcessSample {
  /** User + system CPU seconds since the process started. */
  readonly cpuSeconds: number;
  /** Resident set now. */
  readonly rssBytes: number;
  /** Peak resident set since the process started (VmHWM). */
  readonly peakRssBytes: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??=
    Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

export function sampleProcess(pid: number): ProcessSample {
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return {
    cpuSeconds: ticks / clockTicks(),
    rssBytes: kb('VmRSS') * 1024,
    peakRssBytes: kb('VmHWM') * 1024,
  };
}
