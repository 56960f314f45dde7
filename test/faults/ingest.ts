import { RawSmtp } from '../helpers/smtp-client.js';
import { base64Lines, basicHeaders, message } from '../fuzz/mime-build.js';
import type { Random } from '../fuzz/random.js';
import { dataPayload, queuedId } from '../fuzz/wire.js';

/** Every message a run of clients sent, and the ones the server acknowledged with 250. */
export interface IngestLog {
  /** Subject -> exact bytes, for every message whose DATA was started. */
  readonly sent: Map<string, Buffer>;
  /** Queued-as id -> exact bytes, for every message whose sender read a 250. */
  readonly acknowledged: Map<number, Buffer>;
  /** Replies other than 250 to the end of DATA, by code. */
  readonly refused: Map<number, number>;
}

export function createIngestLog(): IngestLog {
  return { sent: new Map(), acknowledged: new Map(), refused: new Map() };
}

export interface IngestOptions {
  readonly port: number;
  readonly clients: number;
  /** Labels the subjects of this run, e.g. "r3". */
  readonly label: string;
  readonly random: Random;
  readonly log: IngestLog;
  /** Largest body in bytes; sizes are drawn from 100 bytes up to this. */
  readonly maxBody: number;
  /** Stop after this many messages in all (default: until the server goes away). */
  readonly limit?: number;
}

/**
 * Several concurrent SMTP clients sending numbered messages until the server goes away
 * (or `limit` is reached). Each client reuses its connection for a few messages and then
 * opens a new one, so a kill finds connections in every state. Resolves when all stopped.
 */
export async function ingest(options: IngestOptions): Promise<void> {
  let number = 0;
  const next = () => (options.limit === undefined || number < options.limit ? ++number : null);
  await Promise.all(
    Array.from({ length: options.clients }, (_, client) =>
      runClient(options, options.random.fork(`${options.label} client ${client}`), next),
    ),
  );
}

async function runClient(
  options: IngestOptions,
  random: Random,
  next: () => number | null,
): Promise<void> {
  const { log } = options;
  for (;;) {
    let client: RawSmtp;
    try {
      client = await RawSmtp.open(options.port);
      if ((await client.reply()).code !== 220) return;
      if ((await client.command('EHLO ingest.test')).code !== 250) return;
    } catch {
      return; // the server is gone
    }
    try {
      for (let i = random.int(1, 5); i > 0; i--) {
        const n = next();
        if (n === null) return;
        const subject = `ingest ${options.label} n${n}`;
        const raw = numberedMessage(subject, random, options.maxBody);
        if ((await client.command('MAIL FROM:<ingest@sender.test>')).code !== 250) return;
        if ((await client.command('RCPT TO:<ingest@rcpt.test>')).code !== 250) return;
        if ((await client.command('DATA')).code !== 354) return;
        log.sent.set(subject, raw);
        client.write(dataPayload(raw));
        const reply = await client.reply(30_000);
        const id = queuedId(reply.text);
        if (id !== null) log.acknowledged.set(id, raw);
        else {
          log.refused.set(reply.code, (log.refused.get(reply.code) ?? 0) + 1);
          if ((await client.command('RSET')).code !== 250) return;
        }
      }
    } catch {
      return; // connection closed or reset: the server is gone
    } finally {
      client.destroy();
    }
  }
}

/**
 * A message with a unique subject, a short text part and an attachment of random size and
 * random (incompressible) bytes: large enough that a kill often lands mid-DATA, and not
 * text, so ingest speed is not bound by the search index.
 */
export function numberedMessage(subject: string, random: Random, maxBody: number): Buffer {
  const attachment = random.bytes(random.int(0, maxBody));
  const boundary = `b-${random.word(16)}`;
  return message(
    basicHeaders(subject, [`Content-Type: multipart/mixed; boundary="${boundary}"`]),
    [
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Body of ${subject}.`,
      `--${boundary}`,
      'Content-Type: application/octet-stream; name="data.bin"',
      'Content-Disposition: attachment; filename="data.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(attachment) + `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}
