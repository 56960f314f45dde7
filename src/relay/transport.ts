import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Upstream } from '../config/relay.js';

/** Connection limits: an unreachable upstream fails an attempt in seconds, not minutes. */
const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };

/**
 * A pooled nodemailer transport for one upstream. Certificates are verified unless the
 * upstream says `insecure: true`; `ca_file` adds trusted CAs instead of turning checks off.
 */
export function createUpstreamTransport(upstream: Upstream): Transporter {
  return createTransport(transportOptions(upstream));
}

export function transportOptions(upstream: Upstream): SMTPPool.Options {
  const { rateLimit } = upstream;
  return {
    pool: true,
    host: upstream.host,
    port: upstream.port,
    secure: upstream.tls === 'tls',
    requireTLS: upstream.tls === 'starttls',
    ignoreTLS: upstream.tls === 'none',
    opportunisticTLS: upstream.tls === 'opportunistic',
    tls: {
      rejectUnauthorized: !upstream.insecure,
      ...(upstream.ca ? { ca: upstream.ca } : {}),
    },
    ...(upstream.ehloName ? { name: upstream.ehloName } : {}),
    ...authOptions(upstream.auth),
    maxConnections: upstream.maxConnections,
    maxMessages: 100,
    // nodemailer's pool counts messages per rateDelta ms; a rate below 1/s becomes one per 1/rate s.
    ...(rateLimit === null
      ? {}
      : rateLimit >= 1
        ? { rateLimit: Math.floor(rateLimit), rateDelta: 1000 }
        : { rateLimit: 1, rateDelta: Math.round(1000 / rateLimit) }),
    ...TIMEOUTS,
    logger: false,
    debug: false,
  };
}

/** nodemailer's auth: a password, or OAuth2 where it fetches and refreshes the access token. */
function authOptions(auth: Upstream['auth']): Pick<SMTPPool.Options, 'auth'> {
  switch (auth.method) {
    case 'none':
      return {};
    case 'xoauth2':
      return {
        auth: {
          type: 'OAuth2',
          user: auth.user,
          clientId: auth.clientId,
          clientSecret: auth.clientSecret,
          refreshToken: auth.refreshToken,
          ...(auth.accessUrl ? { accessUrl: auth.accessUrl } : {}),
        },
      };
    default:
      return { auth: { user: auth.user, pass: auth.password, method: auth.method.toUpperCase() } };
  }
}
