import { foldForSearch } from './search-fold.js';
import type { Address, SearchText } from './types.js';

/** What a message's header fields say, as a list summary also has it. */
export interface HeaderFields {
  readonly subject: string;
  readonly from: Address | null;
  readonly mailFrom: string;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  /** Bcc header recipients plus the envelope recipients no header names (rows.ts). */
  readonly bcc: readonly Address[];
}

export type HeaderSearchText = Pick<SearchText, 'subject' | 'sender' | 'recipients' | 'cc'>;

/**
 * The search text of the header fields, folded as search terms are. Written to the index at
 * ingest, and computed again from a summary to match a new message in memory (search-match.ts):
 * one function, so both see the same text.
 */
export function headerSearchText(fields: HeaderFields): HeaderSearchText {
  return {
    subject: foldForSearch(fields.subject),
    sender: foldForSearch(
      [addressText(fields.from ? [fields.from] : []), fields.mailFrom].join(' '),
    ),
    recipients: foldForSearch([addressText(fields.to), addressText(fields.bcc)].join(' ')),
    cc: foldForSearch(addressText(fields.cc)),
  };
}

function addressText(addresses: readonly Address[]): string {
  return addresses.map((a) => `${a.name} ${a.address}`.trim()).join(' ');
}
