import { createTransport, type Transporter } from 'nodemailer';
import { readCertificate } from './tls.js';

/** How a client reaches the server: no TLS, a STARTTLS upgrade, or TLS from the first byte. */
export type TlsMode = 'plain' | 'starttls' | 'implicit';
export type AuthMethod = 'PLAIN' | 'LOGIN' | 'CRAM-MD5';

export interface ClientAuth {
  readonly method: AuthMethod;
  readonly user: string;
  readonly password: string;
}

/** One message as its exact bytes, with the envelope it travels in. */
export interface OutgoingMessage {
  readonly from: string;
  readonly to: readonly string[];
  /** The message text with CRLF line ends; clients dot-stuff it on the wire. */
  readonly raw: string;
}

/** What the server answered for one message: the DATA reply, or the first refusal before it. */
export interface SendReply {
  readonly stage: 'auth' | 'mail' | 'rcpt' | 'data';
  readonly code: number;
  /** The whole reply line, e.g. "250 2.0.0 Ok: queued as 7". */
  readonly text: string;
}

export interface SessionOptions {
  /** The plain port. */
  readonly port: number;
  /** The port that offers STARTTLS; the plain one when null (it offers STARTTLS when required). */
  readonly starttlsPort?: number | null;
  /** The implicit-TLS port; needed for mode 'implicit'. */
  readonly securePort?: number | null;
  /** The temp dir with the generated certificate, which the client trusts. */
  readonly dataDir: string;
  readonly mode: TlsMode;
  readonly auth?: ClientAuth | null;
}

/** A nodemailer transport for one TLS mode that verifies Sluice's own certificate. */
export function createTestTransport(
  options: SessionOptions & { pool?: boolean; maxConnections?: number },
): Transporter {
  const implicit = options.mode === 'implicit';
  if (implicit && !options.securePort) throw new Error('implicit TLS needs --smtps');
  return createTransport({
    host: '127.0.0.1',
    port: implicit ? options.securePort! : portFor(options),
    name: 'nodemailer.test',
    secure: implicit,
    requireTLS: options.mode === 'starttls',
    ignoreTLS: options.mode === 'plain',
    tls: { ca: readCertificate(options.dataDir) },
    auth: options.auth
      ? { user: options.auth.user, pass: options.auth.password, method: options.auth.method }
      : undefined,
    ...(options.pool
      ? { pool: true, maxConnections: options.maxConnections ?? 1, maxMessages: Infinity }
      : {}),
  });
}

/** The port a non-implicit session connects to: STARTTLS has a listener of its own. */
export function portFor(options: SessionOptions): number {
  return options.mode === 'starttls' ? (options.starttlsPort ?? options.port) : options.port;
}

/** Sends each message through one transport and collects the server's replies in order. */
export async function sendWithNodemailer(
  transport: Transporter,
  messages: readonly OutgoingMessage[],
): Promise<SendReply[]> {
  const replies: SendReply[] = [];
  for (const message of messages) {
    try {
      const info = await transport.sendMail({
        envelope: { from: message.from, to: [...message.to] },
        raw: message.raw,
      });
      // The SMTP transport always reports the server's final reply to DATA.
      const response = info.response ?? '';
      replies.push({ stage: 'data', code: Number(response.slice(0, 3)), text: response });
    } catch (error) {
      replies.push(replyOfError(error));
    }
  }
  return replies;
}

/** nodemailer rejects with the server's reply on the error; anything else is a test failure. */
function replyOfError(error: unknown): SendReply {
  const { responseCode, response, command } = error as {
    responseCode?: number;
    response?: string;
    command?: string;
  };
  if (!responseCode || !response) throw error;
  const verb = (command ?? '').toUpperCase();
  const stage = verb.startsWith('AUTH')
    ? 'auth'
    : verb.startsWith('MAIL')
      ? 'mail'
      : verb.startsWith('RCPT')
        ? 'rcpt'
        : 'data';
  return { stage, code: responseCode, text: response };
}

/** The id in "250 2.0.0 Ok: queued as 17". */
export function queuedId(reply: SendReply): number {
  const match = /queued as (\d+)/.exec(reply.text);
  if (!match) throw new Error(`no queued id in ${JSON.stringify(reply.text)}`);
  return Number(match[1]);
}
