import type { Address, HeaderField, ParsedMessage, PartInfo } from '../mail/types.js';
import type { SearchQuery } from './search-query.js';

export type { Address, HeaderField, PartInfo } from '../mail/types.js';

export type MessageId = number;

/** What the SMTP session knew about a message. */
export interface Envelope {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
}

export interface ReceivedFrom {
  /** Client IP address. */
  readonly address: string;
  /** Name the client gave in HELO/EHLO. */
  readonly helo: string;
  readonly authUser: string | null;
  readonly tls: boolean;
}

export interface NewMessage {
  readonly raw: Buffer;
  readonly parsed: ParsedMessage;
  readonly envelope: Envelope;
  readonly client: ReceivedFrom;
  /** Defaults to now. The fast seeding path of the benchmark sets it. */
  readonly receivedAt?: Date;
}

/** One row of a list: no bodies. */
export interface MessageSummary {
  readonly id: MessageId;
  readonly receivedAt: string;
  readonly envelope: Envelope;
  readonly from: Address | null;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  /** Bcc header recipients plus envelope recipients that no To/Cc header names. */
  readonly bcc: readonly Address[];
  readonly subject: string;
  readonly snippet: string;
  readonly size: number;
  readonly attachmentCount: number;
  readonly read: boolean;
  readonly tags: readonly string[];
  readonly messageId: string | null;
  /** The Date header, ISO 8601, or null when absent or unreadable. */
  readonly date: string | null;
  readonly parseError: boolean;
}

export interface MessageDetail extends MessageSummary {
  readonly replyTo: readonly Address[];
  readonly headers: readonly HeaderField[];
  readonly text: string | null;
  readonly html: string | null;
  readonly parts: readonly PartInfo[];
  readonly client: ReceivedFrom;
  /** Why the MIME structure could not be read, when it could not. */
  readonly parseErrorMessage: string | null;
}

export interface ListOptions {
  /** At most this many, newest first. */
  readonly limit: number;
  /** Only messages older than this id (the previous page's `nextCursor`). */
  readonly before?: MessageId;
  /** Only messages newer than this id. */
  readonly after?: MessageId;
  readonly query?: SearchQuery;
}

export interface ListResult {
  readonly messages: readonly MessageSummary[];
  /** Messages that match (all of them when there is no query). */
  readonly total: number;
  /** Unread messages that match. */
  readonly unread: number;
  /** Pass as `before` for the next page; null on the last page. */
  readonly nextCursor: MessageId | null;
}

/** Which messages a bulk action applies to. */
export type Selection =
  { readonly ids: readonly MessageId[] } | { readonly all: true } | { readonly query: SearchQuery };

export interface StoreStats {
  readonly total: number;
  readonly unread: number;
  readonly databaseBytes: number;
}

/** Emitted after the change is committed. */
export type StoreEvent =
  | { readonly type: 'stored'; readonly message: MessageSummary }
  | { readonly type: 'read'; readonly ids: readonly MessageId[] | 'all'; readonly read: boolean }
  | { readonly type: 'deleted'; readonly ids: readonly MessageId[] | 'all' };

/**
 * The mailbox. Asynchronous and free of SQL so that another engine can sit behind it;
 * nothing above this interface may assume one process owns the data.
 */
export interface Store {
  addMessage(message: NewMessage): Promise<MessageSummary>;
  listMessages(options: ListOptions): Promise<ListResult>;
  /** Messages with an id above `after`, oldest first: what a reconnecting client missed. */
  listMessagesAfter(after: MessageId, limit: number): Promise<readonly MessageSummary[]>;
  getMessage(id: MessageId): Promise<MessageDetail>;
  getRaw(id: MessageId): Promise<Buffer>;
  setRead(selection: Selection, read: boolean): Promise<number>;
  deleteMessages(selection: Selection): Promise<number>;
  /** Applies the retention limits now; also runs on its own after inserts and on a timer. */
  prune(): Promise<number>;
  stats(): Promise<StoreStats>;
  subscribe(listener: (event: StoreEvent) => void): () => void;
  close(): Promise<void>;
}
