import nodemailer from 'nodemailer';
import { RawSmtp } from '../helpers/smtp-client.js';

/**
 * Sending a file's exact bytes over SMTP.
 *
 * What "byte-exact" can mean over SMTP (RFC 5321 section 4.1.1.4): the DATA terminator is
 * CRLF "." CRLF, and the CRLF before the dot belongs to the message. A message that does
 * not end in CRLF therefore reaches the server with one CRLF appended, and nothing else
 * changes: dot-stuffing (section 4.5.2) is undone by the server, bare CR, bare LF, NUL and
 * lines over 998 octets are passed through. `storedBytes` says exactly what the server
 * must keep for a given file.
 */
export function storedBytes(file: Buffer): Buffer {
  return endsWithCrlf(file) ? file : Buffer.concat([file, CRLF]);
}

const CRLF = Buffer.from('\r\n');

function endsWithCrlf(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d && bytes[bytes.length - 1] === 0x0a;
}

/**
 * True when every LF follows a CR and every CR precedes an LF. Only such files go through
 * nodemailer: its DATA encoder turns bare CR and bare LF into CRLF (a guard against SMTP
 * smuggling), which is right for a sender but would change the bytes under test.
 */
export function hasOnlyCrlfLineEnds(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i - 1] !== 0x0d) return false;
    if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) return false;
  }
  return true;
}

/**
 * The DATA payload for `file`: a dot at the start of the message or after any LF is
 * doubled (smtp-server removes one after any LF, bare or not), then the terminator.
 */
export function dataPayload(file: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < file.length; i++) {
    if (file[i] === 0x2e && (i === 0 || file[i - 1] === 0x0a)) {
      chunks.push(file.subarray(start, i), DOT);
      start = i;
    }
  }
  chunks.push(file.subarray(start), endsWithCrlf(file) ? TERMINATOR : CRLF_TERMINATOR);
  return Buffer.concat(chunks);
}

const DOT = Buffer.from('.');
const TERMINATOR = Buffer.from('.\r\n');
const CRLF_TERMINATOR = Buffer.from('\r\n.\r\n');

export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
}

/** The id in smtp-server's "250 2.0.0 Ok: queued as 12" reply. */
export function queuedId(reply: string): number {
  const match = /^250 .*queued as (\d+)/.exec(reply);
  if (!match) throw new Error(`not a queued reply: ${reply}`);
  return Number(match[1]);
}

/**
 * One SMTP connection that sends many messages with exactly the bytes given
 * (MAIL, RCPT, DATA per message, one EHLO per connection).
 */
export class RawSender {
  readonly #client: RawSmtp;

  private constructor(client: RawSmtp) {
    this.#client = client;
  }

  static async open(port: number): Promise<RawSender> {
    const client = await RawSmtp.open(port);
    await expectCode(client.reply(), 220);
    await expectCode(client.command('EHLO raw-sender.test'), 250);
    return new RawSender(client);
  }

  /** Returns the final reply to DATA ("250 ... queued as ID" on success). */
  async send(envelope: Envelope, file: Buffer): Promise<{ code: number; text: string }> {
    await expectCode(this.#client.command(`MAIL FROM:<${envelope.from}>`), 250);
    for (const to of envelope.to) await expectCode(this.#client.command(`RCPT TO:<${to}>`), 250);
    await expectCode(this.#client.command('DATA'), 354);
    this.#client.write(dataPayload(file));
    // Parsing a large message takes a moment; the default 5 s is meant for commands.
    return this.#client.reply(30_000);
  }

  close(): void {
    this.#client.write('QUIT\r\n');
    this.#client.destroy();
  }
}

async function expectCode(
  reply: Promise<{ code: number; text: string }>,
  code: number,
): Promise<void> {
  const { code: got, text } = await reply;
  if (got !== code) throw new Error(`expected ${code}, got: ${text}`);
}

/** nodemailer's SMTP transport sending `raw` with an explicit envelope: the bytes go as given. */
export function createRawTransport(port: number, pool = false) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    pool,
    maxConnections: 2,
    maxMessages: Infinity,
  });
}

export async function sendWithNodemailer(
  transport: ReturnType<typeof createRawTransport>,
  envelope: Envelope,
  file: Buffer,
): Promise<string> {
  const info = await transport.sendMail({
    envelope: { from: envelope.from, to: [...envelope.to] },
    raw: file,
  });
  return info.response;
}

/** Sends over nodemailer when it keeps the bytes, otherwise over a raw connection. */
export async function sendExact(
  port: number,
  envelope: Envelope,
  file: Buffer,
): Promise<{ id: number; reply: string }> {
  if (hasOnlyCrlfLineEnds(file)) {
    const transport = createRawTransport(port);
    try {
      const reply = await sendWithNodemailer(transport, envelope, file);
      return { id: queuedId(reply), reply };
    } finally {
      transport.close();
    }
  }
  const sender = await RawSender.open(port);
  try {
    const { text } = await sender.send(envelope, file);
    return { id: queuedId(text), reply: text };
  } finally {
    sender.close();
  }
}
