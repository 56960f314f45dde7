import { execFile } from 'node:child_process';
import { createTransport } from 'nodemailer';
import { sizedMessage } from './generator.js';
import { SMTP_SOURCE } from './servers.js';

export interface SourceRun {
  readonly sessions: number;
  readonly messages: number;
  /** Body bytes per message (`-l`); smtp-source adds a few header lines. */
  readonly bytes: number;
  /** `-d`: keep each session's connection for its next message. */
  readonly reuse: boolean;
}

/** Runs Postfix's smtp-source against 127.0.0.1:port; resolves with the wall-clock seconds. */
export function runSmtpSource(port: number, run: SourceRun): Promise<number> {
  const args = [
    ...['-s', String(run.sessions), '-m', String(run.messages), '-l', String(run.bytes)],
    ...(run.reuse ? ['-d'] : []),
    // -M: no hostname lookup; a subject so that stored messages are recognisable.
    ...['-M', 'bench.example', '-f', 'bench@bench.example', '-t', 'inbox@bench.example'],
    ...['-S', 'smtp-source bench', `127.0.0.1:${port}`],
  ];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(SMTP_SOURCE, args, { timeout: 15 * 60_000 }, (error, _stdout, stderr) => {
      if (error)
        reject(new Error(`smtp-source ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve((performance.now() - started) / 1000);
    });
  });
}

export interface PoolRun {
  readonly connections: number;
  readonly messages: number;
  readonly bytes: number;
}

/** One message on a connection of its own, as an app that connects per message would. */
export async function sendOnce(port: number, raw: Buffer | string): Promise<void> {
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    ignoreTLS: true,
    name: 'bench.example',
  });
  try {
    await transport.sendMail({
      envelope: { from: 'bench@bench.example', to: ['inbox@bench.example'] },
      raw,
    });
  } finally {
    transport.close();
  }
}

/**
 * Sends through a nodemailer pool, as a Node app with `pool: true` would; resolves with the
 * wall-clock seconds. Plain SMTP (no STARTTLS), like smtp-source, so both measure the same work.
 */
export async function runNodemailerPool(port: number, run: PoolRun): Promise<number> {
  const messages = Array.from({ length: run.messages }, (_, i) => sizedMessage(i, run.bytes));
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    pool: true,
    maxConnections: run.connections,
    maxMessages: Infinity,
    ignoreTLS: true,
    name: 'bench.example',
  });
  const started = performance.now();
  try {
    let next = 0;
    // A bounded window: enough to keep every pooled connection busy without queuing all at once.
    const worker = async () => {
      while (next < messages.length) {
        const message = messages[next++]!;
        await transport.sendMail({
          envelope: { from: message.from, to: [message.to] },
          raw: message.raw,
        });
      }
    };
    await Promise.all(Array.from({ length: run.connections * 4 }, worker));
    return (performance.now() - started) / 1000;
  } finally {
    transport.close();
  }
}
