import { StorageFullError } from '../store/errors.js';

/** An error smtp-server sends as a reply with this code. */
export function smtpError(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The one place where store failures become SMTP replies. Both are temporary (4xx):
 * the client keeps the message and tries again, so nothing is lost.
 */
export function smtpReplyForStoreError(error: unknown): Error {
  if (error instanceof StorageFullError) {
    return smtpError(452, 'Insufficient storage: the mailbox disk is full, try again later');
  }
  return smtpError(451, 'Local error while storing the message, try again later');
}
