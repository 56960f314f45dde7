import { OPTIONS } from './options.js';

const BOOLEANS = new Set(OPTIONS.filter((o) => o.kind === 'boolean').map((o) => o.name));
const VALUED = new Set(OPTIONS.filter((o) => o.kind === 'string').map((o) => o.name));

/**
 * The command line as node:util's parseArgs takes it, from what people type:
 * - `--smtp-require-tls=false`: a boolean with a value, which parseArgs refuses; taken out
 *   here and returned in `booleans` (validated later like the env var's value);
 * - `--max-messages -1`: a value that starts with a dash, which parseArgs reads as an
 *   option; joined as `--max-messages=-1` so the value reaches its own check.
 */
export function normalizeArgv(argv: readonly string[]): {
  args: string[];
  booleans: Map<string, string>;
} {
  const args: string[] = [];
  const booleans = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const inline = /^--([^=]+)=(.*)$/s.exec(arg);
    if (inline && BOOLEANS.has(inline[1]!)) {
      booleans.set(inline[1]!, inline[2]!);
      continue;
    }
    const next = argv[i + 1];
    if (VALUED.has(arg.replace(/^--/, '')) && arg.startsWith('--') && /^-\d/.test(next ?? '')) {
      args.push(`${arg}=${next}`);
      i++;
      continue;
    }
    args.push(arg);
  }
  return { args, booleans };
}
