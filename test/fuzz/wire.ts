import { RawSmtp } from '../helpers/smtp-client.js';

/** What the server answered to the end of DATA, and the id it gave the message. */
export interface DataReply {
  readonly code: number;
  readonly text: string;
  /** The id in "250 2.0.0 Ok: queued as 7"; null for any other reply. */
  readonly id: number | null;
}

const LF = 0x0a;
const DOT = 0x2e;
const LF_DOT = Buffer.from('\n.');

/**
 * RFC 5321 section 4.5.2 dot-stuffing on bytes. smtp-server removes the first of two dots
 * after any LF (bare or not), so a dot is doubled after every LF, not only after CRLF:
 * then any byte sequence survives the trip unchanged.
 */
export function dotStuff(raw: Buffer): Buffer {
  const pieces: Buffer[] = [];
  let start = 0;
  if (raw[0] === DOT) pieces.push(Buffer.from('.'));
  for (let at = raw.indexOf(LF_DOT); at >= 0; at = raw.indexOf(LF_DOT, at + 1)) {
    pieces.push(raw.subarray(start, at + 1), Buffer.from('.'));
    start = at + 1;
  }
  pieces.push(raw.subarray(start));
  return Buffer.concat(pieces);
}

/** The DATA payload on the wire: stuffed bytes and the terminating dot line. */
export function dataPayload(raw: Buffer): Buffer {
  if (!endsWithCrlf(raw)) {
    // The terminator needs a CRLF before its dot; one added here would be stored as part of
    // the message, and "stored equals sent" could not be checked.
    throw new Error('a message sent by the fuzz tests must end with CRLF');
  }
  return Buffer.concat([dotStuff(raw), Buffer.from('.\r\n')]);
}

export function endsWithCrlf(raw: Buffer): boolean {
  return raw.length >= 2 && raw[raw.length - 2] === 0x0d && raw[raw.length - 1] === LF;
}

/** A connection past its greeting and EHLO. */
export async function openSession(port: number, helo = 'fuzz.test'): Promise<RawSmtp> {
  const client = await RawSmtp.open(port);
  const greeting = await client.reply();
  if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
  const ehlo = await client.command(`EHLO ${helo}`);
  if (ehlo.code !== 250) throw new Error(`EHLO: ${ehlo.text}`);
  return client;
}

/**
 * Sends one message with exactly these bytes on a new connection and returns the reply to
 * the end of DATA. `deadlineMs` bounds the wait for that reply: a server that does not
 * answer in time has hung on the input.
 */
export async function sendRaw(
  port: number,
  raw: Buffer,
  options: { deadlineMs?: number; from?: string; to?: string } = {},
): Promise<DataReply> {
  const client = await openSession(port);
  try {
    await expectCode(client, `MAIL FROM:<${options.from ?? 'fuzz@sender.test'}>`, 250);
    await expectCode(client, `RCPT TO:<${options.to ?? 'fuzz@rcpt.test'}>`, 250);
    await expectCode(client, 'DATA', 354);
    client.write(dataPayload(raw));
    const reply = await client.reply(options.deadlineMs ?? 10_000);
    return { ...reply, id: queuedId(reply.text) };
  } finally {
    client.destroy();
  }
}

export async function expectCode(client: RawSmtp, line: string, code: number): Promise<void> {
  const reply = await client.command(line);
  if (reply.code !== code)
    throw new Error(`${line.slice(0, 60)}: expected ${code}, got ${reply.text}`);
}

export function queuedId(text: string): number | null {
  const match = /^250 .*queued as (\d+)/.exec(text);
  return match ? Number(match[1]) : null;
}
