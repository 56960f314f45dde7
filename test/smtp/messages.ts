import type { OutgoingMessage } from '../helpers/nodemailer.js';

let counter = 0;

/** A small message with a subject no other test uses, so the API lookup is unambiguous. */
export function buildMessage(
  label: string,
  options: { from?: string; to?: string[]; body?: string } = {},
): OutgoingMessage & { subject: string } {
  const subject = `${label} #${++counter}`;
  const from = options.from ?? 'sender@example.com';
  const to = options.to ?? ['rcpt@example.com'];
  const raw = [
    `From: Sender <${from}>`,
    `To: ${to.join(', ')}`,
    `Subject: ${subject}`,
    `Message-ID: <${counter}.${Date.now()}@test.example>`,
    'Date: Mon, 02 Jun 2025 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    options.body ?? `Body of ${subject}.`,
    '',
  ].join('\r\n');
  return { from, to, raw, subject };
}

/** RFC 5321 section 4.5.2: a line that starts with "." gets one more on the wire. */
export function dotStuff(raw: string): string {
  return raw.replace(/^\./gm, '..');
}
