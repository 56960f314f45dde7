import type { Context } from 'hono';
import type { IncomingMessage } from '../../ingest/protocol.js';
import type { RelayService } from '../../relay/types.js';
import type { Chaos } from '../../smtp/chaos.js';
import type { MessageId, MessageSummary, Store } from '../../store/types.js';
import type { EventHub } from '../hub/event-hub.js';
import type { PartReader } from '../routes/messages.js';
import type { ServerInfo } from '../routes/system.js';

/** Stores a message through the same ingest as SMTP (parse, then commit). */
export type Capture = (message: IncomingMessage) => Promise<MessageSummary>;

/** What every dialect is given: the native operations it translates to. Nothing else. */
export interface CompatOptions {
  readonly store: Store;
  readonly parts: PartReader;
  readonly capture: Capture;
  readonly chaos: Chaos;
  readonly info: () => ServerInfo;
  readonly relay?: RelayService;
  /** The event hub every live feed is on (src/web/hub/). */
  readonly events: EventHub;
  /** Where Sluice is served (`/`, or e.g. `/mail/`): the links a dialect writes start here. */
  readonly basePath?: string;
}

/** An absolute path on this server, under the base path. */
export function link(options: Pick<CompatOptions, 'basePath'>, path: string): string {
  return (options.basePath ?? '/').replace(/\/$/, '') + path;
}

/** The native URL of a message's part by Content-ID (what `cid:` references become). */
export function cidLink(options: Pick<CompatOptions, 'basePath'>, id: number, cid: string) {
  return link(options, `/api/messages/${id}/cid/${encodeURIComponent(cid)}`);
}

/** A Sluice id as the peers' string ids: the number written out ("42"). */
export const peerId = (id: MessageId): string => String(id);

/**
 * A peer's id back to Sluice's. MailHog clients may send ids with an `@host` suffix (its own
 * ids look like that), so anything after `@` is ignored. Null when it is not one of ours.
 */
export function parsePeerId(text: string | undefined): MessageId | null {
  const digits = (text ?? '').replace(/@.*$/, '');
  if (!/^\d{1,15}$/.test(digits)) return null;
  const id = Number(digits);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * A field of a JSON object the way Go's encoding/json finds it: the exact key first, else
 * any key equal ignoring case. Mailpit, MailHog and Inbucket clients rely on that.
 */
export function goField(body: unknown, name: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

/** The request body as text ('' when there is none). */
export async function bodyText(c: Context): Promise<string> {
  return c.req.raw.body ? await c.req.text() : '';
}

/** Parsed JSON, or undefined when the text is not JSON. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A string array, or null when `value` is anything else. */
export function stringArray(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
}

/** Ids named by a peer's request; ones that are not Sluice ids name no message. */
export function peerIds(values: readonly string[]): MessageId[] {
  return values.map(parsePeerId).filter((id): id is MessageId => id !== null);
}

/** "Name <address>", or the bare address when there is no name. */
export function addressText(address: { name: string; address: string }): string {
  return address.name ? `${address.name} <${address.address}>` : address.address;
}
