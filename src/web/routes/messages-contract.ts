import { createRoute, z } from '@hono/zod-openapi';
import { captured, failures, json, jsonBody, MessageIdParams } from './contract.js';
import {
  Deleted,
  Headers,
  MarkBody,
  MessageDetail,
  MessageList,
  MessageSummary,
  PageQuery,
  ReadBody,
  SelectionBody,
  Updated,
} from './message-schemas.js';

/** The native message API's operations (routes/messages.ts serves them). */

const tags = ['Messages'];
const notFound = { 404: 'not_found: no such message' } as const;

export const listMessages = createRoute({
  method: 'get',
  path: '/messages',
  operationId: 'listMessages',
  tags,
  summary: 'List messages, newest first; with query, only those that match',
  request: { query: PageQuery },
  responses: {
    200: json('A page', MessageList),
    ...failures([400], { 400: 'invalid_request: a bad parameter; invalid_query: a bad search' }),
  },
});

export const searchMessages = createRoute({
  method: 'get',
  path: '/search',
  operationId: 'searchMessages',
  tags,
  summary: 'Search (query or q required); same shape as the list',
  request: { query: PageQuery },
  responses: {
    200: json('A page', MessageList),
    ...failures([400], { 400: 'invalid_request: no query or a bad parameter; invalid_query' }),
  },
});

export const waitForMessage = createRoute({
  method: 'get',
  path: '/messages/wait',
  operationId: 'waitForMessage',
  tags,
  summary: 'Wait for a matching message',
  description:
    'Returns the newest match above `after` at once, or the first one to arrive; 408 after the timeout.',
  request: {
    query: PageQuery.pick({ after: true, query: true, q: true }).extend({
      timeout: z
        .string()
        .optional()
        .openapi({ description: 'How long to wait: 30s, 2m, 1500ms (at most 5m)', default: '30s' }),
    }),
  },
  responses: {
    200: json('The message', MessageSummary),
    ...failures([400, 408, 503], {
      503: 'too_many_waiters: too many requests are waiting (--max-waiters), retry after Retry-After; shutting_down',
    }),
  },
});

export const markMessages = createRoute({
  method: 'post',
  path: '/messages/mark',
  operationId: 'markMessages',
  tags,
  summary: 'Mark messages read or unread',
  request: { body: jsonBody(MarkBody) },
  responses: { 200: json('Updated', Updated), ...failures([400, 413, 415]) },
});

export const deleteSelected = createRoute({
  method: 'post',
  path: '/messages/delete',
  operationId: 'deleteMessages',
  tags,
  summary: 'Delete messages by ids, all, or everything a search matches',
  request: { body: jsonBody(SelectionBody) },
  responses: { 200: json('Deleted', Deleted), ...failures([400, 413, 415]) },
});

export const deleteAll = createRoute({
  method: 'delete',
  path: '/messages',
  operationId: 'deleteAllMessages',
  tags,
  summary: 'Delete every message',
  responses: { 200: json('Deleted', Deleted), ...failures([]) },
});

export const getMessage = createRoute({
  method: 'get',
  path: '/messages/{id}',
  operationId: 'getMessage',
  tags,
  summary: 'One message, parsed. Does not mark it read.',
  request: { params: MessageIdParams },
  responses: { 200: json('The message', MessageDetail), ...failures([400, 404], notFound) },
});

export const markMessage = createRoute({
  method: 'patch',
  path: '/messages/{id}',
  operationId: 'markMessage',
  tags,
  summary: 'Mark one message read or unread',
  request: { params: MessageIdParams, body: jsonBody(ReadBody) },
  responses: {
    200: json('The message', MessageDetail),
    ...failures([400, 404, 413, 415], notFound),
  },
});

export const deleteMessage = createRoute({
  method: 'delete',
  path: '/messages/{id}',
  operationId: 'deleteMessage',
  tags,
  summary: 'Delete one message',
  request: { params: MessageIdParams },
  responses: {
    200: json('Deleted', z.object({ deleted: z.literal(1) })),
    ...failures([400, 404], notFound),
  },
});

export const getHeaders = createRoute({
  method: 'get',
  path: '/messages/{id}/headers',
  operationId: 'getMessageHeaders',
  tags,
  summary: 'Headers, in order',
  request: { params: MessageIdParams },
  responses: { 200: json('Headers', Headers), ...failures([400, 404], notFound) },
});

export const getRaw = createRoute({
  method: 'get',
  path: '/messages/{id}/raw',
  operationId: 'getMessageRaw',
  tags,
  summary: 'The message exactly as received; ?download for an .eml attachment',
  request: {
    params: MessageIdParams,
    query: z.object({
      download: z.string().optional().openapi({ description: 'Present: as an attachment' }),
    }),
  },
  responses: {
    200: captured('Raw source', 'message/rfc822'),
    ...failures([400, 404], notFound),
  },
});

export const getHtml = createRoute({
  method: 'get',
  path: '/messages/{id}/html',
  operationId: 'getMessageHtml',
  tags,
  summary:
    'HTML body for a sandboxed iframe, cid: links rewritten; ?remote=1 allows remote images and CSS',
  request: {
    params: MessageIdParams,
    query: z.object({
      remote: z
        .string()
        .optional()
        .openapi({ enum: ['1'] }),
    }),
  },
  responses: {
    200: captured('HTML', 'text/html'),
    ...failures([400, 404], { 404: 'not_found: no such message, or it has no HTML body' }),
  },
});

const partNotFound = { 404: 'not_found: no such message or part' } as const;

export const getPart = createRoute({
  method: 'get',
  path: '/messages/{id}/parts/{partId}',
  operationId: 'getMessagePart',
  tags,
  summary: 'One attachment or inline part; ?inline shows safe images inline',
  request: {
    params: MessageIdParams.extend({
      partId: z
        .string()
        .regex(/^\d{1,6}$/, { error: 'partId must be a part number from the message detail' })
        .openapi({ description: 'partId from the message detail' }),
    }),
    query: z.object({ inline: z.string().optional() }),
  },
  responses: {
    200: captured('Part content', 'application/octet-stream'),
    ...failures([400, 404], partNotFound),
  },
});

export const getPartByContentId = createRoute({
  method: 'get',
  path: '/messages/{id}/cid/{contentId}',
  operationId: 'getMessagePartByContentId',
  tags,
  summary: 'An inline part by Content-ID',
  request: { params: MessageIdParams.extend({ contentId: z.string() }) },
  responses: {
    200: captured('Part content', 'application/octet-stream'),
    ...failures([400, 404], partNotFound),
  },
});
