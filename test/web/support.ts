import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { TestSluice } from '../helpers/sluice.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** The exact bytes of a hand-made fixture. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

export interface SendOptions {
  /** Upgrade with STARTTLS on the STARTTLS port (certificate not checked). Default: plain. */
  readonly tls?: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
}

/**
 * Sends one message over real SMTP with nodemailer and returns the id Sluice gave it
 * (read from "250 2.0.0 Ok: queued as ID").
 */
export async function sendMail(
  sluice: TestSluice,
  message: Mail.Options,
  options: SendOptions = {},
): Promise<number> {
  const transport = createTransport({
    host: '127.0.0.1',
    port: options.tls ? (sluice.starttlsPort ?? sluice.smtpPort) : sluice.smtpPort,
    secure: false,
    ignoreTLS: !options.tls,
    requireTLS: options.tls ?? false,
    tls: { rejectUnauthorized: false },
    auth: options.auth,
  });
  try {
    const info = await transport.sendMail(message);
    const match = /queued as (\d+)/.exec(info.response);
    if (!match) throw new Error(`unexpected SMTP reply: ${info.response}`);
    return Number(match[1]);
  } finally {
    transport.close();
  }
}

/** Sends a fixture's bytes unchanged with the given envelope. */
export function sendFixture(
  sluice: TestSluice,
  name: string,
  envelope: { from: string; to: string[] },
  options: SendOptions = {},
): Promise<number> {
  return sendMail(sluice, { envelope, raw: fixture(name) }, options);
}

/** A small text message; `n` makes the subject and body unique. */
export function sendNumbered(sluice: TestSluice, n: number, to = 'alice@example.com') {
  return sendMail(sluice, {
    from: 'sender@example.com',
    to,
    subject: `Message ${n}`,
    text: `Body of message number ${n}`,
  });
}

/** Sends `count` numbered messages one after another (so ids follow the order). */
export async function sendMany(sluice: TestSluice, count: number, first = 1): Promise<number[]> {
  const ids: number[] = [];
  for (let n = first; n < first + count; n++) ids.push(await sendNumbered(sluice, n));
  return ids;
}

/** The documented error body. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

export async function expectJsonError(response: Response): Promise<ApiErrorBody> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/json')) {
    throw new Error(`expected a JSON error, got ${type}: ${await response.text()}`);
  }
  const body = (await response.json()) as ApiErrorBody;
  if (typeof body.error?.code !== 'string' || typeof body.error?.message !== 'string') {
    throw new Error(`not the error shape: ${JSON.stringify(body)}`);
  }
  return body;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * An HTTP request through node:http, for headers fetch() will not send as given (Host).
 */
export function rawRequest(
  sluice: TestSluice,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: sluice.addresses.http.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
