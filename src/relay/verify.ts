import { createTransport } from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Upstream } from '../config/relay.js';
import { describeError } from './outcome.js';
import { transportOptions } from './transport.js';

export interface VerifyResult {
  readonly upstream: string;
  readonly ok: boolean;
  /** What happened: success, or the upstream's exact reply / the connection error. */
  readonly reply: string;
}

/**
 * Connects, takes the TLS step the upstream is configured for, and authenticates when
 * credentials are configured; sends no mail. nodemailer's own verify() skips the login when
 * the server does not advertise AUTH and reports success; mail then fails with 530. Here
 * that is a failure, said as such.
 */
export async function verifyUpstream(upstream: Upstream): Promise<VerifyResult> {
  const options = { ...transportOptions(upstream), pool: false as const };
  const connection = new SMTPConnection(options);
  // The transport builds the credentials exactly as the worker's pool does (XOAuth2 included).
  const mailer = createTransport(options);
  const transport = mailer.transporter as SMTPTransport;
  const result = (ok: boolean, reply: string) => ({ upstream: upstream.name, ok, reply });
  try {
    await step((done) => connection.connect(done), connection);
    const tls = `tls: ${upstream.tls}`;
    if (upstream.auth.method === 'none') return result(true, `connected (${tls})`);
    if (!connection.allowsAuth) {
      return result(
        false,
        `upstream offers no AUTH (${tls}): credentials are configured but the server does not advertise AUTH${upstream.tls === 'none' || upstream.tls === 'opportunistic' ? '; most servers offer it only after STARTTLS (tls: starttls)' : ''}`,
      );
    }
    const auth = transport.getAuth() || undefined;
    await step((done) => connection.login(auth, (error) => done(error ?? undefined)), connection);
    return result(true, `connected (${tls}), authenticated (${upstream.auth.method})`);
  } catch (error) {
    return result(false, describeError(error as object));
  } finally {
    connection.quit();
    connection.close();
    mailer.close();
  }
}

export function verifyUpstreams(upstreams: readonly Upstream[]): Promise<VerifyResult[]> {
  return Promise.all(upstreams.map(verifyUpstream));
}

/** One callback step of an SMTPConnection, failing also on an 'error' event (a timeout). */
function step(
  run: (done: (error?: Error) => void) => void,
  connection: SMTPConnection,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    connection.once('error', onError);
    run((error) => {
      connection.off('error', onError);
      if (error) reject(error);
      else resolve();
    });
  });
}
