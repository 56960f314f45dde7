/** Building blocks of the OpenAPI document (openapi.ts, openapi-relay.ts). */
export const json = (schema: object) => ({ content: { 'application/json': { schema } } });
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const ok = (description: string, schema: object) => ({ description, ...json(schema) });
export const errors = {
  '400': { description: 'Invalid parameters', ...json(ref('Error')) },
  '401': {
    description: 'Sign-in is configured and the request has no valid credentials',
    ...json(ref('Error')),
  },
  '404': { description: 'No such message', ...json(ref('Error')) },
};
export const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } };
export const listParams = [
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
  {
    name: 'before',
    in: 'query',
    description: 'nextCursor of the previous page',
    schema: { type: 'integer' },
  },
  {
    name: 'after',
    in: 'query',
    description: 'Only messages newer than this id',
    schema: { type: 'integer' },
  },
  {
    name: 'query',
    in: 'query',
    description:
      'Search: words, "phrases", from: to: cc: subject: body: filename:, has:attachment, is:read, is:unread, before:/after: YYYY-MM-DD, - to negate. Alias: q.',
    schema: { type: 'string' },
  },
];
