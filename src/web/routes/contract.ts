import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { ZodType } from 'zod';
import { badRequest } from '../errors.js';

/**
 * The pieces every route contract is made of (the *-contract.ts files beside the routes).
 * A route is defined once with createRoute(): its params, query and body schemas validate
 * the request, and the same definition is its operation in /api/openapi.json.
 */

/** A router whose invalid input becomes the API's 400 `invalid_request`, naming what is wrong. */
export function apiRouter(): OpenAPIHono {
  return new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) throw invalid(result.error);
    },
  });
}

/** `value` as `schema` makes it, or the 400 a route contract answers for it. */
export function validOrThrow<T extends ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error);
  return result.data;
}

function invalid(error: z.ZodError): Error {
  const issue = error.issues[0];
  if (!issue) return badRequest('the request is not valid');
  // Say where, unless the message already names it ("limit must be …").
  const where = issue.path.join('.');
  const last = String(issue.path.at(-1) ?? '');
  return badRequest(
    where && !issue.message.includes(last) ? `${where}: ${issue.message}` : issue.message,
  );
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ description: 'What is wrong, and what to do instead' }),
    }),
  })
  .openapi('Error');

/** Every error the web chain or a route can answer, by status, with the codes it carries. */
const FAILURES = {
  400: 'invalid_request: a parameter or the body is not valid (the message says which)',
  401: 'unauthorized: sign-in is on and the request has no valid credentials',
  403: 'forbidden_origin: another site or an opaque origin sent it; forbidden_host: a Host this server does not serve',
  404: 'not_found: no such message (or part)',
  408: 'timeout: nothing matching arrived in time',
  409: 'The operation cannot run in this state',
  413: 'payload_too_large: the body is over the limit',
  415: 'unsupported_media_type: a body that is not JSON (Content-Type: application/json)',
  429: 'too_many_failures, too_many_sign_ins: sign-in refused for now; see Retry-After',
  503: 'Not ready',
  507: 'storage_full: --max-db-size reached',
} as const;
export type FailureStatus = keyof typeof FAILURES;

interface ErrorResponse {
  readonly description: string;
  readonly content: { readonly 'application/json': { readonly schema: typeof ErrorSchema } };
}

/** One error response, described by its status's codes unless `description` says more. */
export function failure(
  status: FailureStatus,
  description: string = FAILURES[status],
): ErrorResponse {
  return { description, content: { 'application/json': { schema: ErrorSchema } } };
}

/**
 * The error responses of an operation: the sign-in chain's (401, 403, 429) always, plus
 * `statuses`; `described` replaces a default description where an operation says more.
 */
export function failures(
  statuses: readonly FailureStatus[],
  described: Partial<Record<FailureStatus, string>> = {},
): Record<string, ErrorResponse> {
  const all = [...new Set<FailureStatus>([...statuses, 401, 403, 429])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [String(status), failure(status, described[status])]),
  );
}

/** A JSON response. */
export const json = <T extends ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * A JSON request body. `required: false`: a request may have none, and then means `{}`;
 * such a route also takes emptyBodyIsNone.
 */
export const jsonBody = <T extends ZodType>(schema: T, required = true) => ({
  required,
  content: { 'application/json': { schema } },
});

/** Captured bytes (raw source, HTML, a part), never JSON. */
export const captured = (description: string, type: string) => ({
  description,
  content: { [type]: { schema: z.string().openapi({ format: 'binary' }) } },
});

/**
 * A whole number in a path or query string, up to 2^53: digits only, so " 5", "1e2" and
 * "0x10", which Number() would take, are refused with `help`.
 */
export function wholeNumber(help: string, range: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value),
    z.number({ error: help }).int({ error: help }).min(min, { error: help }).max(max, {
      error: help,
    }),
  );
}

/**
 * `{id}` of a path: a message id (or an outbox entry's), with the message clients have
 * always had for one that is not a number.
 */
export const idParams = (description: string) =>
  z.object({
    id: z
      .string()
      .transform((text, ctx) => {
        const id = Number(text);
        if (/^\d{1,15}$/.test(text) && Number.isSafeInteger(id)) return id;
        ctx.addIssue({
          code: 'custom',
          message: `"${text.slice(0, 40)}" is not a message id; ids are whole numbers`,
        });
        return z.NEVER;
      })
      .openapi({ type: 'integer', minimum: 0, description }),
  });

export const MessageIdParams = idParams('Message id');

/** For an optional body: an empty one (`Content-Length: 0`) reads as `{}`, whatever its type. */
export const emptyBodyIsNone: MiddlewareHandler = async function emptyBodyIsNone(c, next) {
  // Hono reads JSON through this cache of the body's text (HonoRequest.json()).
  if (!hasBody(c)) (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve('{}');
  await next();
};

/** Whether the request carries a body (a length above 0, or a chunked one). */
export function hasBody(c: Context): boolean {
  const length = c.req.header('content-length');
  return (
    c.req.header('transfer-encoding') !== undefined || (length !== undefined && length !== '0')
  );
}
