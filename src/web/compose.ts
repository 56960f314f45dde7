import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Envelope } from '../store/types.js';
import { badRequest } from './errors.js';

export interface ComposeAddress {
  readonly name?: string;
  readonly address: string;
}

export interface ComposeAttachment {
  readonly filename: string;
  /** Base64; a `data:...;base64,` prefix is tolerated (Mailpit's clients send one). */
  readonly content: string;
  readonly contentType?: string;
  /** Present: the part is inline, for `cid:` references in the HTML. */
  readonly contentId?: string;
}

/** A message described field by field, as the send APIs take it. */
export interface ComposeRequest {
  readonly from: ComposeAddress;
  readonly to?: readonly ComposeAddress[];
  readonly cc?: readonly ComposeAddress[];
  readonly bcc?: readonly ComposeAddress[];
  readonly replyTo?: readonly ComposeAddress[];
  readonly subject?: string;
  readonly text?: string;
  readonly html?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly attachments?: readonly ComposeAttachment[];
  readonly tags?: readonly string[];
}

/** Headers that the fields above write; a request may not set them through `headers`. */
const OWN_HEADERS = [
  'to',
  'from',
  'cc',
  'bcc',
  'reply-to',
  'date',
  'subject',
  'content-type',
  'mime-version',
];

/** The RFC 5322 bytes and the envelope (From → sender; To, Cc and Bcc → recipients). */
export async function composeMessage(
  request: ComposeRequest,
): Promise<{ raw: Buffer; envelope: Envelope }> {
  const headers = { ...request.headers };
  const own = [...OWN_HEADERS, ...(request.tags?.length ? ['x-tags'] : [])];
  for (const name of Object.keys(headers)) {
    if (own.includes(name.toLowerCase())) throw badRequest(`cannot overwrite header: "${name}"`);
  }
  if (request.tags?.length) headers['X-Tags'] = request.tags.join(', ');
  const recipients = [...(request.to ?? []), ...(request.cc ?? []), ...(request.bcc ?? [])];
  if (recipients.length === 0) throw badRequest('a message needs at least one recipient');
  const composer = new MailComposer({
    from: request.from,
    to: request.to?.map(named),
    cc: request.cc?.map(named),
    bcc: request.bcc?.map(named),
    replyTo: request.replyTo?.map(named),
    subject: request.subject ?? '',
    text: request.text,
    html: request.html,
    headers,
    attachments: request.attachments?.map((a) => ({
      filename: a.filename,
      content: Buffer.from(a.content.slice(a.content.lastIndexOf(',') + 1), 'base64'),
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...(a.contentId ? { cid: a.contentId, contentDisposition: 'inline' as const } : {}),
    })),
  });
  const raw = await composer.compile().build();
  return {
    raw,
    envelope: { mailFrom: request.from.address, rcptTo: recipients.map((r) => r.address) },
  };
}

const named = (a: ComposeAddress) => ({ name: a.name ?? '', address: a.address });

/**
 * The envelope a raw message implies when none is given: From's address as the sender,
 * every To, Cc and Bcc address as a recipient.
 */
export function envelopeOfRaw(raw: Buffer): Envelope {
  const text = raw.subarray(0, 64 * 1024).toString('utf8');
  const end = /\r?\n\r?\n/.exec(text);
  const head = (end ? text.slice(0, end.index) : text).replace(/\r?\n[ \t]+/g, ' ');
  const field = (name: string) =>
    head
      .split(/\r?\n/)
      .filter((line) => line.toLowerCase().startsWith(name + ':'))
      .map((line) => line.slice(name.length + 1));
  const addresses = (names: string[]) =>
    names
      .flatMap(field)
      .flatMap((value) => addressparser(value, { flatten: true }))
      .map((a) => a.address)
      .filter((a): a is string => Boolean(a));
  const [mailFrom = ''] = addresses(['from']);
  return { mailFrom, rcptTo: addresses(['to', 'cc', 'bcc']) };
}
