import type { MessageSummary } from '../../store/types.js';
import { multipartParts, splitEntity, type RawEntity } from './raw-mime.js';
import { peerId } from './shapes.js';

/** MailHog's `Path`: an address split at the `@`. */
export function mailhogPath(address: string) {
  const at = address.lastIndexOf('@');
  return {
    Relays: null,
    Mailbox: at < 0 ? address : address.slice(0, at),
    Domain: at < 0 ? '' : address.slice(at + 1),
    Params: '',
  };
}

interface MailhogContent {
  Headers: Record<string, string[]>;
  Body: string;
  Size: number;
  MIME: { Parts: MailhogContent[] } | null;
}

/**
 * An entity as MailHog shows it: header names as the sender wrote them, the last value of
 * a repeated header, the body still transfer-encoded; multipart bodies split into parts.
 */
function content(entity: RawEntity, size: number): MailhogContent {
  const headers: Record<string, string[]> = {};
  for (const field of entity.fields) headers[field.name] = [field.value];
  const parts = multipartParts(entity);
  return {
    Headers: headers,
    Body: entity.body,
    Size: size,
    MIME: parts ? { Parts: parts.map((p) => content(p, p.body.length)) } : null,
  };
}

/** MailHog's Message, from the summary (envelope, time) and the raw bytes (everything else). */
export function mailhogMessage(summary: MessageSummary, raw: Buffer, helo = '') {
  const data = raw.toString('utf8');
  const top = content(splitEntity(data), raw.length);
  return {
    ID: peerId(summary.id),
    From: mailhogPath(summary.envelope.mailFrom),
    To: summary.envelope.rcptTo.map(mailhogPath),
    // MailHog keeps the MIME tree beside Content, whose own MIME is always null.
    Content: { ...top, MIME: null },
    Created: summary.receivedAt,
    MIME: top.MIME,
    Raw: {
      From: summary.envelope.mailFrom,
      To: summary.envelope.rcptTo,
      Data: data,
      Helo: helo,
    },
  };
}
