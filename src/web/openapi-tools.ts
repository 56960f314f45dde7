/**
 * OpenAPI paths of the native test tools: inject a message, tags, chaos. Spread into the
 * document in openapi.ts; the peers' dialects (/api/v1, /api/v2, /api/email) are not here.
 */
const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const content = (schema: object) => ({ content: { 'application/json': { schema } } });
const answer = (description: string, schema: object) => ({ description, ...content(schema) });
const failure = (description: string) => ({ description, ...content(schemaRef('Error')) });
const updated = answer('How many messages changed', {
  type: 'object',
  properties: { updated: { type: 'integer' } },
});
const tagParam = { name: 'tag', in: 'path', required: true, schema: { type: 'string' } };

const address = {
  oneOf: [
    { type: 'string', format: 'email' },
    {
      type: 'object',
      required: ['address'],
      properties: { name: { type: 'string' }, address: { type: 'string', format: 'email' } },
    },
  ],
};
const injectBody = {
  oneOf: [
    {
      type: 'object',
      required: ['raw'],
      description: 'An RFC 5322 message; without an envelope, From and To/Cc/Bcc make one.',
      properties: {
        raw: { type: 'string' },
        encoding: { enum: ['utf8', 'base64'], default: 'utf8' },
        envelope: {
          type: 'object',
          required: ['from', 'to'],
          properties: {
            from: { type: 'string' },
            to: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
    {
      type: 'object',
      required: ['from'],
      description: 'A message by its fields; Sluice writes the MIME.',
      properties: {
        from: address,
        to: { type: 'array', items: address },
        cc: { type: 'array', items: address },
        bcc: { type: 'array', items: address },
        replyTo: { type: 'array', items: address },
        subject: { type: 'string' },
        text: { type: 'string' },
        html: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        tags: { type: 'array', items: { type: 'string' } },
        attachments: {
          type: 'array',
          items: {
            type: 'object',
            required: ['filename', 'content'],
            properties: {
              filename: { type: 'string' },
              content: { type: 'string', description: 'base64' },
              contentType: { type: 'string' },
              contentId: { type: 'string', description: 'present: inline, for cid: in the HTML' },
            },
          },
        },
      },
    },
  ],
};
const trigger = {
  type: 'object',
  properties: {
    errorCode: { type: 'integer', minimum: 400, maximum: 599 },
    probability: { type: 'number', minimum: 0, maximum: 100 },
  },
};
const chaosState = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    triggers: {
      type: 'object',
      properties: { sender: trigger, recipient: trigger, authentication: trigger },
    },
    jim: { type: ['object', 'null'], description: "MailHog Jim's settings (chances 0 to 1)" },
  },
};

export const toolPaths = {
  '/api/tags': {
    get: {
      summary: 'Every tag in use, sorted',
      responses: {
        '200': answer('Tags', {
          type: 'object',
          properties: { tags: { type: 'array', items: { type: 'string' } } },
        }),
      },
    },
    put: {
      summary: 'Replace the tags of messages (X-Tags and plus-addresses tag them at arrival)',
      requestBody: content({
        type: 'object',
        required: ['ids', 'tags'],
        properties: {
          ids: { type: 'array', items: { type: 'integer' } },
          tags: { type: 'array', items: { type: 'string' } },
        },
      }),
      responses: { '200': updated, '400': failure('Invalid body') },
    },
  },
  '/api/tags/{tag}': {
    patch: {
      summary: 'Rename a tag (any case) on every message',
      parameters: [tagParam],
      requestBody: content({
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' } },
      }),
      responses: { '200': updated, '400': failure('Invalid body') },
    },
    delete: {
      summary: 'Remove a tag from every message (the messages stay)',
      parameters: [tagParam],
      responses: { '200': updated },
    },
  },
  '/api/chaos': {
    get: {
      summary: 'SMTP fault injection: its state',
      responses: { '200': answer('State', chaosState) },
    },
    put: {
      summary: 'Set the triggers (omitted ones go to 0 %) and/or Jim (null turns him off)',
      requestBody: content({
        type: 'object',
        properties: { triggers: chaosState.properties.triggers, jim: { type: ['object', 'null'] } },
      }),
      responses: {
        '200': answer('State', chaosState),
        '400': failure('Invalid settings'),
        '409': failure('Chaos is off: start Sluice with --enable-chaos'),
      },
    },
  },
};

/** `POST /api/messages`, merged into the list's path item in openapi.ts. */
export const injectOperation = {
  summary: 'Store a message through the same ingest as SMTP (for tests of inbound mail)',
  requestBody: content(injectBody),
  responses: {
    '201': answer('The stored message', schemaRef('MessageSummary')),
    '400': failure('Invalid message or no recipient'),
    '413': failure('Larger than --max-message-size'),
  },
};
