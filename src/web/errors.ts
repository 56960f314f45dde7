import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { InvalidQueryError } from '../store/search-query.js';
import {
  MessageNotFoundError,
  OutboxEntryNotFoundError,
  StorageFullError,
} from '../store/errors.js';
import {
  InvalidAddressError,
  OutboxStateError,
  RelayDeniedError,
  RelayOffError,
} from '../relay/errors.js';
import type { Logger } from '../log/logger.js';

/** An HTTP failure with the API's one error shape: `{ "error": { "code", "message" } }`. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(status, { message });
  }
}

export const badRequest = (message: string) => new ApiError(400, 'invalid_request', message);

const HTTP_CODES: Partial<Record<number, string>> = {
  400: 'invalid_request',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** The one place where errors become HTTP responses. */
export function errorHandler(logger: Logger) {
  return function handleError(error: Error, c: Context): Response {
    const { status, code, message } = describeError(error);
    if (status >= 500)
      logger.error('request failed', { path: c.req.path, error: error.stack ?? error.message });
    return c.json({ error: { code, message } }, status);
  };
}

/** The status, code and message an error becomes; dialects reuse it for their own body shapes. */
export function describeError(error: Error): {
  status: ContentfulStatusCode;
  code: string;
  message: string;
} {
  if (error instanceof ApiError)
    return { status: error.status, code: error.code, message: error.message };
  if (error instanceof MessageNotFoundError)
    return { status: 404, code: 'not_found', message: error.message };
  if (error instanceof OutboxEntryNotFoundError)
    return { status: 404, code: 'not_found', message: error.message };
  if (error instanceof InvalidAddressError)
    return { status: 400, code: 'invalid_address', message: error.message };
  if (error instanceof RelayDeniedError)
    return { status: 403, code: 'relay_denied', message: error.message };
  if (error instanceof RelayOffError)
    return { status: 409, code: 'relay_off', message: error.message };
  if (error instanceof OutboxStateError)
    return { status: 409, code: 'invalid_state', message: error.message };
  if (error instanceof InvalidQueryError)
    return { status: 400, code: 'invalid_query', message: error.message };
  if (error instanceof StorageFullError)
    return { status: 507, code: 'storage_full', message: error.message };
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    // Hono's own: the body limit, and the route contracts' JSON and media-type checks.
    return {
      status,
      code: HTTP_CODES[status] ?? 'http_error',
      message: error.message || 'Request failed',
    };
  }
  return {
    status: 500,
    code: 'internal',
    message: 'Internal error; the server log has the details',
  };
}
