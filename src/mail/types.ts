/**
 * A raw RFC 5322 message: one buffer, or the chunks as they came off the socket, in order and
 * not concatenated, so that a large message never needs a second, contiguous copy.
 */
export type RawMessage = Buffer | readonly Buffer[];

/**
 * What the parser reads: a raw message, or its chunks produced on demand (a large message
 * read back from the database a piece at a time: synchronously from SQLite, asynchronously
 * from PostgreSQL). Each iteration starts from the beginning.
 */
export type RawSource = RawMessage | Iterable<Buffer> | AsyncIterable<Buffer>;

/** One part of a message: by its number in the detail's parts, or by Content-ID. */
export type PartSelector = { readonly partId: string } | { readonly contentId: string };

export interface Address {
  readonly name: string;
  readonly address: string;
}

export interface HeaderField {
  readonly name: string;
  /** Unfolded, with RFC 2047 encoded words decoded. */
  readonly value: string;
}

export interface PartInfo {
  /** Position among the message's attachments and inline parts, from "1". */
  readonly partId: string;
  readonly filename: string | null;
  readonly contentType: string;
  readonly size: number;
  readonly contentId: string | null;
  readonly disposition: 'attachment' | 'inline' | null;
  /** Part of a multipart/related body (an inline image the HTML refers to). */
  readonly related: boolean;
}

/** What Sluice keeps of a message besides its raw bytes. */
export interface ParsedMessage {
  readonly subject: string;
  readonly from: Address | null;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  readonly bcc: readonly Address[];
  readonly replyTo: readonly Address[];
  readonly messageId: string | null;
  /** Date header as epoch milliseconds; null when absent or unreadable. */
  readonly date: number | null;
  readonly headers: readonly HeaderField[];
  readonly text: string | null;
  readonly html: string | null;
  readonly parts: readonly PartInfo[];
  /** First words of the body, for lists. */
  readonly snippet: string;
  /** Body text (HTML stripped when there is no plain part), bounded, for the search index. */
  readonly searchText: string;
  /** Why the MIME structure could not be read; the raw bytes are kept either way. */
  readonly parseError: string | null;
}

export interface PartContent {
  readonly info: PartInfo;
  readonly content: Buffer;
}
