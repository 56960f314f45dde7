import type { Context } from 'hono';
import { ChaosSettingsError } from '../../smtp/chaos.js';
import { describeError } from '../errors.js';

/** A peer's error bodies: each dialect answers failures the way its clients expect. */
export function dialectErrors(body: (message: string, c: Context) => Response | undefined) {
  return function handleDialectError(error: Error, c: Context): Response {
    const described =
      error instanceof ChaosSettingsError
        ? { status: 400 as const, message: error.message }
        : describeError(error);
    c.status(described.status);
    return body(described.message, c) ?? c.text(described.message);
  };
}

/** Mailpit, MailHog, Inbucket (Go): the message as plain text. */
export const textErrors = dialectErrors((message, c) => c.text(message));

/** MailDev: `{"error": "..."}`. */
export const maildevErrors = dialectErrors((message, c) => c.json({ error: message }));
