import { timingSafeEqual } from 'node:crypto';
import type { SMTPServerAuthentication, SMTPServerSession } from 'smtp-server';
import type { SmtpAuth } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { smtpError } from './replies.js';

/** SMTP AUTH against --smtp-auth: any credentials when it is optional, the listed ones when not. */
export function authenticate(
  smtpAuth: SmtpAuth,
  auth: SMTPServerAuthentication,
  session: SMTPServerSession,
  logger: Logger,
): [Error | null | undefined, { user: string }?] {
  const user = { user: auth.username ?? '' };
  if (smtpAuth.mode === 'optional') return [null, user];
  const expected = smtpAuth.users.get(auth.username ?? '');
  const valid =
    expected !== undefined &&
    (auth.method === 'CRAM-MD5'
      ? auth.validatePassword(expected)
      : safeEqual(auth.password ?? '', expected));
  if (valid) return [null, user];
  logger.info('authentication failed', { user: auth.username, client: session.remoteAddress });
  return [smtpError(535, 'Authentication credentials invalid')];
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
