import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { rootCertificates } from 'node:tls';
import { hostname, userInfo } from 'node:os';
import { createTransport } from 'nodemailer';
import type { ToolIo } from '../cli/tools.js';
import { ConfigError, loadConfig, type Listen } from '../config/config.js';
import { tlsFiles } from '../smtp/local-ca.js';
import { isLoopbackHost } from '../config/exposure.js';
import { EXIT, parseSendmailArgs, SENDMAIL_USAGE, SendmailUsageError } from './args.js';
import { prepareMessage, readMessage } from './message.js';

/** How long to wait for Sluice to answer; it greets at once, so this only bounds a hung one. */
const CONNECT_TIMEOUT_MS = 10_000;
/** -bs: how long Sluice may take to answer what was written before stdin closed without QUIT. */
const QUIT_GRACE_MS = 5_000;

/**
 * `sluice sendmail`: what PHP's mail(), cron and other sendmail callers run. Reads a
 * message on stdin and hands it to a running Sluice over SMTP; exits with sysexits codes.
 */
export async function runSendmail(argv: string[], io: ToolIo): Promise<number> {
  const fail = (code: number, message: string) => {
    io.stderr.write(`sluice sendmail: ${message}\n`);
    return code;
  };
  let args;
  let smtp: Listen;
  let localCa: string | null;
  try {
    args = parseSendmailArgs(argv);
    if (args.help) {
      io.stdout.write(SENDMAIL_USAGE);
      return EXIT.ok;
    }
    const command = loadConfig({ argv: [...args.sluiceArgv], env: io.env });
    if (command.kind !== 'run') throw new SendmailUsageError('unexpected option');
    smtp = reachable(command.config.smtp);
    localCa = readLocalCa(command.config.db);
  } catch (error) {
    if (error instanceof SendmailUsageError)
      return fail(EXIT.usage, `${error.message}\n${SENDMAIL_USAGE}`);
    if (error instanceof ConfigError) return fail(EXIT.config, error.message);
    throw error;
  }
  if (args.mode === 'smtp') return relaySmtpSession(smtp, io);

  let raw: Buffer;
  try {
    raw = await readMessage(io.stdin, args.dotEndsInput);
  } catch (error) {
    return fail(EXIT.noInput, `cannot read the message: ${(error as Error).message}`);
  }
  // Nothing at all to send (stdin was /dev/null or closed): sendmail's "no input".
  if (raw.length === 0) return fail(EXIT.noInput, 'no message on standard input');
  const message = prepareMessage(raw, args.fromHeaders);
  const recipients = [
    ...args.recipients.flatMap((list) => list.split(',')).map((r) => r.trim()),
    ...(args.fromHeaders ? message.headerRecipients : []),
  ].filter((r) => r !== '');
  if (recipients.length === 0) {
    return fail(
      EXIT.usage,
      'no recipients: name them as arguments, or use -t to read To, Cc and Bcc',
    );
  }
  const sender = args.sender ?? message.from ?? localSender();
  try {
    await deliver(smtp, localCa, { from: sender, to: [...new Set(recipients)] }, message.raw);
    return EXIT.ok;
  } catch (error) {
    const { code, message: text } = describeFailure(error, smtp);
    return fail(code, text);
  }
}

/**
 * Sluice's plain port offers STARTTLS only when configured to (a certificate of the user's,
 * or TLS required); nodemailer then upgrades, trusting the system's CAs and Sluice's own.
 * On loopback an unverified certificate is accepted: there TLS only satisfies
 * --smtp-require-tls (the plain default would cross the same loopback), and the CA beside
 * the server's database may not be readable by the user PHP or cron runs as.
 */
async function deliver(
  smtp: Listen,
  localCa: string | null,
  envelope: { from: string; to: string[] },
  raw: Buffer,
): Promise<void> {
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: false,
    tls: {
      ...(localCa ? { ca: [...rootCertificates, localCa] } : {}),
      rejectUnauthorized: !isLoopbackHost(smtp.host),
    },
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ envelope, raw });
  } finally {
    transport.close();
  }
}

/**
 * -bs: the caller speaks SMTP with Sluice itself, through this process's stdin and stdout.
 * When Sluice is not there, the caller gets an SMTP 421 instead of silence.
 */
function relaySmtpSession(smtp: Listen, io: ToolIo): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host: smtp.host, port: smtp.port });
    let connected = false;
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('timed out')));
    socket.once('connect', () => {
      connected = true;
      socket.setTimeout(0);
      // Not ended with stdin: a caller may write its whole session, QUIT included, and
      // close stdin at once; Sluice still answers all of it, then closes after QUIT.
      io.stdin.pipe(socket, { end: false });
      io.stdin.once('end', () => setTimeout(() => socket.end(), QUIT_GRACE_MS).unref());
      socket.pipe(io.stdout);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const why = `cannot reach Sluice at ${address(smtp)} (${error.code ?? error.message})`;
      if (!connected) io.stdout.write(`421 4.3.0 ${why}\r\n`);
      io.stderr.write(`sluice sendmail: ${why}\n`);
      resolve(EXIT.tempFail);
    });
    socket.once('close', (hadError) => {
      io.stdin.unpipe(socket);
      if (!hadError) resolve(EXIT.ok);
    });
  });
}

/** sendmail's exit codes: a 5xx is a refusal (69); no connection or a 4xx is "try later" (75). */
function describeFailure(error: unknown, smtp: Listen): { code: number; message: string } {
  const { responseCode, response, code } = error as {
    responseCode?: number;
    response?: string;
    code?: string;
  };
  if (responseCode && response) {
    const permanent = responseCode >= 500;
    return {
      code: permanent ? EXIT.unavailable : EXIT.tempFail,
      message: `Sluice at ${address(smtp)} ${permanent ? 'refused' : 'deferred'} the message: ${response}`,
    };
  }
  return {
    code: EXIT.tempFail,
    message: `cannot reach Sluice at ${address(smtp)}: ${(error as Error).message}${code ? ` (${code})` : ''}. Is it running? Its address comes from --smtp or SLUICE_SMTP.`,
  };
}

/** The local CA kept beside the database Sluice uses with these settings, if it exists. */
function readLocalCa(db: string): string | null {
  const files = tlsFiles(db);
  try {
    return files && readFileSync(files.caCert, 'utf8');
  } catch {
    return null;
  }
}

/** A listener bound to every interface is reached on loopback. */
function reachable(listen: Listen): Listen {
  if (listen.host === '0.0.0.0' || listen.host === '') return { ...listen, host: '127.0.0.1' };
  if (listen.host === '::') return { ...listen, host: '::1' };
  return listen;
}

function address(listen: Listen): string {
  return listen.host.includes(':')
    ? `[${listen.host}]:${listen.port}`
    : `${listen.host}:${listen.port}`;
}

/** sendmail's default sender when the message has no From: the user at this host. */
function localSender(): string {
  let user = 'sluice';
  try {
    user = userInfo().username;
  } catch {
    // a bare uid without a passwd entry
  }
  return `${user}@${hostname()}`;
}
