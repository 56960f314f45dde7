import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** What a reader needs to judge the numbers: the machine, and how busy it was. */
export interface MachineFacts {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly kernel: string;
  readonly load: string;
  readonly commit: string;
  readonly postfix: string;
}

function quiet(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineFacts(): MachineFacts {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  return {
    cpu: model ?? cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    kernel: `Linux ${release()}`,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    commit: quiet('git', ['rev-parse', '--short', 'HEAD']),
    postfix: quiet('dpkg-query', ['-W', '-f', '${Version}', 'postfix']),
  };
}
