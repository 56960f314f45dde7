import type { Readable, Writable } from 'node:stream';
import { runSendmail } from '../sendmail/sendmail.js';
import { runTlsCommand } from './tls-command.js';

/** What a command-line tool may use of the process, handed over by main.ts. */
export interface ToolIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

const TOOLS: Record<string, (argv: string[], io: ToolIo) => Promise<number>> = {
  sendmail: runSendmail,
  tls: runTlsCommand,
};

export function isTool(name: string | undefined): boolean {
  return name !== undefined && Object.hasOwn(TOOLS, name);
}

/** `sluice sendmail ...`, `sluice tls ...`: runs the tool and returns its exit code. */
export function runTool(argv: readonly string[], io: ToolIo): Promise<number> {
  return TOOLS[argv[0]!]!(argv.slice(1), io);
}

/**
 * The command line that runs `sluice sendmail` with this very Node and install, for PHP's
 * sendmail_path; none when running from TypeScript sources (npm run dev), which Node cannot.
 */
export function sendmailCommand(execPath: string, argv: readonly string[]): string | undefined {
  const main = argv[1];
  if (!main || main.endsWith('.ts')) return undefined;
  return [execPath, main, 'sendmail'].map(shellQuote).join(' ');
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
