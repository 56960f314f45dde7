import { z } from '@hono/zod-openapi';
import type {
  ListResult,
  MessageDetail as StoreMessageDetail,
  MessageSummary as StoreMessageSummary,
} from '../../store/types.js';
import { wholeNumber } from './contract.js';

/** The messages' shapes: what the list, search and bulk actions take, and what they answer. */

export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

const SEARCH_HELP =
  'Search: words, "phrases", from: to: cc: subject: body: filename:, has:attachment, is:read, is:unread, before:/after: YYYY-MM-DD, - to negate.';

/** `limit`, `before`, `after` and `query` (or `q`) of a list or search request. */
export const PageQuery = z.object({
  limit: wholeNumber(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`, {
    min: 1,
    max: MAX_PAGE_SIZE,
  })
    .optional()
    .default(DEFAULT_PAGE_SIZE),
  before: wholeNumber('before must be a message id (the nextCursor of the previous page)')
    .optional()
    .openapi({ description: 'nextCursor of the previous page' }),
  after: wholeNumber('after must be a message id')
    .optional()
    .openapi({ description: 'Only messages newer than this id' }),
  query: z.string().optional().openapi({ description: SEARCH_HELP }),
  q: z.string().optional().openapi({ description: 'Alias of query' }),
});
export type PageQueryValues = z.infer<typeof PageQuery>;

const ids = z.array(z.number().int().positive()).min(1).max(10_000);
const byIds = z.object({ ids }).strict();
const byAll = z.object({ all: z.literal(true) }).strict();
const byQuery = z.object({ query: z.string().trim().min(1).max(1000) }).strict();

export const SelectionBody = z
  .union([byIds, byAll, byQuery], {
    error: 'expected {"ids": [1, 2]}, {"all": true} or {"query": "from:alice"}',
  })
  .openapi('Selection', {
    description: 'Messages by id, every message, or every message a search matches',
  });
export type SelectionValues = z.infer<typeof SelectionBody>;

const read = z.boolean();
export const MarkBody = z
  .union([byIds.extend({ read }), byAll.extend({ read }), byQuery.extend({ read })], {
    error: 'expected {"read": true|false} with "ids", "all" or "query"',
  })
  .openapi('MarkSelection');

export const ReadBody = z
  .object({ read: z.boolean() }, { error: 'expected {"read": true} or {"read": false}' })
  .openapi({ example: { read: true } });

export const IdsBody = z
  .object({ ids }, { error: 'expected {"ids": [message ids]}' })
  .strict()
  .openapi({ example: { ids: [1, 2] } });

const Address = z
  .object({ name: z.string(), address: z.string() })
  .openapi('Address', { description: 'name is "" when the header gives none' });
const Header = z.object({ name: z.string(), value: z.string() }).openapi('Header');
const addresses = z.array(Address).readonly();
const nullableText = z.string().nullable();

export const MessageSummary = z
  .object({
    id: z.number().int(),
    receivedAt: z.string().openapi({ format: 'date-time' }),
    envelope: z.object({ mailFrom: z.string(), rcptTo: z.array(z.string()).readonly() }),
    from: Address.nullable(),
    to: addresses,
    cc: addresses,
    bcc: addresses.openapi({
      description: 'Bcc header plus envelope recipients no To/Cc header names',
    }),
    subject: z.string(),
    snippet: z.string(),
    size: z.number().int(),
    attachmentCount: z.number().int(),
    read: z.boolean(),
    tags: z.array(z.string()).readonly(),
    messageId: nullableText,
    date: nullableText.openapi({ format: 'date-time' }),
    parseError: z.boolean(),
  })
  .openapi('MessageSummary');

const Part = z
  .object({
    partId: z.string(),
    filename: nullableText,
    contentType: z.string(),
    size: z.number().int(),
    contentId: nullableText,
    disposition: z.enum(['attachment', 'inline']).nullable(),
    related: z.boolean(),
  })
  .openapi('Part');

export const Client = z.object({
  address: z.string(),
  helo: z.string(),
  authUser: nullableText,
  tls: z.boolean(),
});

export const MessageDetail = MessageSummary.extend({
  replyTo: addresses,
  headers: z.array(Header).readonly(),
  text: nullableText,
  html: nullableText,
  parts: z.array(Part).readonly(),
  client: Client,
  parseErrorMessage: nullableText,
}).openapi('MessageDetail');

export const MessageList = z
  .object({
    messages: z.array(MessageSummary).readonly(),
    total: z.number().int().openapi({
      description:
        'Messages that match (every message when there is no query). A search counts at most 1,000; see totalCapped.',
    }),
    unread: z
      .number()
      .int()
      .openapi({ description: 'Unread messages among those counted in total' }),
    totalCapped: z.literal(true).optional().openapi({
      description:
        'Present (true) only when a search matched more than it counts: total is then a lower bound, and total and unread cover the newest matches only.',
    }),
    nextCursor: z.number().int().nullable(),
  })
  .openapi('MessageList');

export const Headers = z.object({ headers: z.array(Header).readonly() });
export const Deleted = z.object({ deleted: z.number().int() });
export const Updated = z.object({ updated: z.number().int() });

/**
 * Both ways assignable: a field added to the store's type and not here (or here and not
 * there) fails `tsc`, so the documented answer cannot drift from what the handler sends.
 */
export type SameShape<Schema, Type> = [Schema] extends [Type]
  ? [Type] extends [Schema]
    ? true
    : false
  : false;

true satisfies SameShape<z.output<typeof MessageSummary>, StoreMessageSummary>;
true satisfies SameShape<z.output<typeof MessageDetail>, StoreMessageDetail>;
true satisfies SameShape<z.output<typeof MessageList>, ListResult>;
