import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** What the upstream received: exactly the bytes after un-dot-stuffing. */
export interface Received {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly raw: Buffer;
  readonly secure: boolean;
  readonly authUser: string | null;
  readonly authMethod: string | null;
  readonly at: number;
}

export interface Reply {
  readonly code: number;
  readonly message: string;
}

export interface UpstreamOptions {
  readonly certificate: TestCertificate;
  /** Implicit TLS from the first byte. */
  readonly secure?: boolean;
  /** Offer STARTTLS (default true; ignored when secure). */
  readonly starttls?: boolean;
  /** Require AUTH with one of these users; without it AUTH is not offered. */
  readonly users?: Readonly<Record<string, string>>;
  /** Refuse a recipient with this reply. */
  readonly rcpt?: (address: string) => Reply | null;
  /** Answer DATA with this reply instead of 250 (counted from 0 over the server's life). */
  readonly data?: (index: number) => Reply | null;
  /** Accept XOAUTH2 for this user when the access token passes `check`. */
  readonly oauth?: { readonly user: string; readonly check: (token: string) => boolean };
  /** Never answer DATA for these (counted from 0): the sender waits until it dies. */
  readonly stall?: (index: number) => boolean;
  /** Answer DATA this long after it arrived (it counts as received on arrival). */
  readonly replyDelayMs?: number;
  /** Listen on this port (for "down, then up"); default a free one. */
  readonly port?: number;
}

export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
}

/** A self-signed certificate for 127.0.0.1, which a client can also trust as its own CA. */
export async function createCertificate(): Promise<TestCertificate> {
  const generated = await generate([{ name: 'commonName', value: 'upstream.test' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { cert: generated.cert, key: generated.private };
}

function replyError(reply: Reply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

/** A real second SMTP server standing in for Gmail, SES or a company relay. */
export class TestUpstream {
  readonly received: Received[] = [];
  /** Messages whose DATA arrived but were never acknowledged (see `stall`). */
  readonly unacknowledged: Received[] = [];
  readonly authFailures: string[] = [];
  /** Every AUTH command received, successful or not: how often Sluice logged in. */
  logins = 0;
  readonly #server: SMTPServer;
  #dataCount = 0;
  port = 0;

  private constructor(options: UpstreamOptions) {
    const users = options.users;
    this.#server = new SMTPServer({
      secure: options.secure ?? false,
      key: options.certificate.key,
      cert: options.certificate.cert,
      hideSTARTTLS: options.starttls === false,
      authOptional: !users && !options.oauth,
      // hideSTARTTLS alone still accepts the command; disabling it makes a server without TLS.
      disabledCommands: [
        ...(users || options.oauth ? [] : ['AUTH']),
        ...(options.starttls === false ? ['STARTTLS'] : []),
      ],
      authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'],
      // AUTH over a plain connection is allowed so that the `none` mode can be tested with it.
      allowInsecureAuth: true,
      logger: false,
      // Clients still connected when the test closes the upstream are cut off quickly.
      closeTimeout: 500,
      onAuth: (auth, _session, callback) => {
        this.logins++;
        if (auth.method === 'XOAUTH2') {
          const { oauth } = options;
          if (oauth && auth.username === oauth.user && oauth.check(auth.accessToken ?? '')) {
            return callback(null, { user: `${auth.username}|XOAUTH2` });
          }
          this.authFailures.push(`XOAUTH2 ${auth.username}`);
          // RFC 7628 section 3.2.2: a JSON challenge tells the client its token was refused.
          return callback(null, { data: { status: '401', schemes: 'bearer', scope: 'mail' } });
        }
        const expected = users?.[auth.username ?? ''];
        const ok =
          expected !== undefined &&
          (auth.method === 'CRAM-MD5'
            ? auth.validatePassword(expected)
            : auth.password === expected);
        if (!ok) {
          this.authFailures.push(`${auth.method} ${auth.username}`);
          return callback(
            Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }),
          );
        }
        callback(null, { user: `${auth.username}|${auth.method}` });
      },
      onRcptTo: (address, _session, callback) => {
        const refusal = options.rcpt?.(address.address);
        callback(refusal ? replyError(refusal) : undefined);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const index = this.#dataCount++;
          if (options.stall?.(index)) {
            this.unacknowledged.push(record(session, Buffer.concat(chunks)));
            return;
          }
          const refusal = options.data?.(index);
          if (refusal) return callback(replyError(refusal));
          this.received.push(record(session, Buffer.concat(chunks)));
          const accept = () => callback(null, 'Ok: accepted upstream');
          if (options.replyDelayMs) setTimeout(accept, options.replyDelayMs);
          else accept();
        });
      },
    });
    this.#server.on('error', () => {});
  }

  static async start(options: UpstreamOptions): Promise<TestUpstream> {
    const upstream = new TestUpstream(options);
    await new Promise<void>((resolve, reject) => {
      upstream.#server.server.once('error', reject);
      upstream.#server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    upstream.port = (upstream.#server.server.address() as AddressInfo).port;
    return upstream;
  }

  /** The recipients of every message received with this Subject, in order. */
  deliveredTo(subject: string): string[] {
    return this.received
      .filter((r) => r.raw.includes(`Subject: ${subject}\r\n`))
      .flatMap((r) => r.rcptTo);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

function record(session: SMTPServerSession, raw: Buffer): Received {
  const user = typeof session.user === 'string' ? session.user.split('|') : null;
  return {
    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    rcptTo: session.envelope.rcptTo.map((r) => r.address),
    raw,
    secure: session.secure,
    authUser: user?.[0] ?? null,
    authMethod: user?.[1] ?? null,
    at: Date.now(),
  };
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
