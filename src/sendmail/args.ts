/** sysexits.h: the exit codes that sendmail callers (PHP's mail(), cron, git send-email) read. */
export const EXIT = {
  ok: 0,
  usage: 64,
  dataError: 65,
  noInput: 66,
  unavailable: 69,
  software: 70,
  tempFail: 75,
  config: 78,
} as const;

export interface SendmailArgs {
  /** -bm (deliver a message read from stdin, the default) or -bs (SMTP on stdin/stdout). */
  readonly mode: 'deliver' | 'smtp';
  /** Recipients named on the command line. */
  readonly recipients: readonly string[];
  /** -t: also take recipients from To, Cc and Bcc, and drop the Bcc header. */
  readonly fromHeaders: boolean;
  /** -f / -r: the envelope sender. */
  readonly sender: string | null;
  /** Without -i / -oi a line holding only "." ends the message, as in sendmail. */
  readonly dotEndsInput: boolean;
  /** Sluice's own flags (--smtp, --config, --db), passed to its config loader. */
  readonly sluiceArgv: readonly string[];
  readonly help: boolean;
}

export class SendmailUsageError extends Error {
  override name = 'SendmailUsageError';
}

/** Flags that take a value, attached (-fme@x) or as the next word (-f me@x). */
const WITH_VALUE = new Set(['f', 'r', 'F', 'B', 'C', 'N', 'R', 'V', 'X', 'L', 'h', 'O', 'p']);
/** Flags that callers pass and that mean nothing for a capture server. */
const IGNORED = new Set(['v', 'U', 'n', 'm', 'G', 'A', 'q']);
/** Sluice's flags, with Mailpit's and mhsendmail's spelling of the address. */
const SLUICE_FLAGS: Record<string, string> = {
  '--smtp': '--smtp',
  '--smtp-addr': '--smtp',
  '-S': '--smtp',
  '--config': '--config',
  '--db': '--db',
};

/** Parses sendmail's command line as Postfix and sendmail 8 accept it. */
export function parseSendmailArgs(argv: readonly string[]): SendmailArgs {
  let mode: SendmailArgs['mode'] = 'deliver';
  let fromHeaders = false;
  let sender: string | null = null;
  let dotEndsInput = true;
  let help = false;
  const recipients: string[] = [];
  const sluiceArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new SendmailUsageError(`${arg} needs a value`);
      return value;
    };
    const [name, inline] = arg.startsWith('--') ? splitOnce(arg, '=') : [arg, undefined];
    if (SLUICE_FLAGS[name]) {
      sluiceArgv.push(SLUICE_FLAGS[name], inline ?? next());
    } else if (arg === '--help') {
      help = true;
    } else if (arg === '--') {
      recipients.push(...argv.slice(i + 1));
      break;
    } else if (!arg.startsWith('-') || arg === '-') {
      recipients.push(arg);
    } else {
      const flag = arg[1]!;
      const attached = arg.slice(2);
      if (flag === 'b') {
        mode = deliveryMode(attached);
      } else if (flag === 't') {
        fromHeaders = true;
      } else if (flag === 'i') {
        dotEndsInput = false;
      } else if (flag === 'o') {
        // -oi is -i; -odi, -oem, -oee, -om and the rest tune a real MTA's queue.
        if (attached === 'i') dotEndsInput = false;
        else if (attached === '') next();
      } else if (WITH_VALUE.has(flag)) {
        const value = attached || next();
        if (flag === 'f' || flag === 'r') sender = value;
      } else if (!IGNORED.has(flag)) {
        throw new SendmailUsageError(`unknown option ${arg}`);
      }
    }
  }
  return { mode, recipients, fromHeaders, sender, dotEndsInput, sluiceArgv, help };
}

function deliveryMode(mode: string): SendmailArgs['mode'] {
  if (mode === 'm') return 'deliver';
  if (mode === 's') return 'smtp';
  throw new SendmailUsageError(
    `-b${mode} is not supported: sluice sendmail delivers (-bm) or speaks SMTP (-bs)`,
  );
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

export const SENDMAIL_USAGE = `Usage: sluice sendmail [options] [recipient ...] < message
Reads a message on standard input and hands it to a running Sluice over SMTP.
  -t               also send to the To, Cc and Bcc addresses (the Bcc header is removed)
  -f ADDRESS       envelope sender (also -r); default: the From header's address
  -i, -oi          a line holding only "." does not end the message
  -bs              speak SMTP on standard input and output (Symfony Mailer's -bs)
  --smtp HOST:PORT Sluice's SMTP address (also -S, --smtp-addr; env SLUICE_SMTP), default 127.0.0.1:1025
Other sendmail options (-odi, -oem, -F NAME, -v, ...) are accepted and ignored.
Exit codes (sysexits): 0 sent, 64 usage, 66 no input, 69 refused, 75 Sluice not reachable or busy, 78 bad setting.
`;
