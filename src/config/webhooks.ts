import { z } from 'zod';
import { InvalidQueryError, parseSearchQuery } from '../store/search-query.js';
import { ConfigError, describeOption } from './errors.js';
import { retrySchema } from './relay-schema.js';
import { parseBoolean } from './values.js';
import type { SettingReader } from './web.js';

/** One endpoint that is told about every stored message (or every one its filter matches). */
export interface Webhook {
  /** Names its deliveries in the API and its place in the database; unique. */
  readonly name: string;
  readonly url: string;
  /** A search in the inbox's language; null = every message. */
  readonly filter: string | null;
  /** HMAC-SHA256 key of the Sluice-Signature header; null = unsigned. */
  readonly secret: string | null;
  /** May target loopback, private and link-local addresses (off: SSRF, see src/webhooks). */
  readonly allowPrivate: boolean;
  readonly retry: { readonly initialMs: number; readonly maxMs: number; readonly maxAgeMs: number };
}

export interface WebhookSources {
  readonly read: SettingReader;
  /** The `webhooks:` list of the config file, unparsed. */
  readonly section: unknown;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Retries start at 5 s, double up to an hour, and give up on a message after three days. */
export const WEBHOOK_RETRY = { initialMs: 5_000, maxMs: 3_600_000, maxAgeMs: 259_200_000 };
/** The name of the webhook given by --webhook. */
export const FLAG_WEBHOOK_NAME = 'webhook';

const filterSchema = z.string().refine(
  (text) => {
    try {
      parseSearchQuery(text);
      return true;
    } catch (error) {
      if (error instanceof InvalidQueryError) return false;
      throw error;
    }
  },
  { message: 'is not a valid search (see Search in README)' },
);

const webhookSchema = z
  .object({
    name: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, dot, dash, underscore'),
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
    filter: filterSchema.optional(),
    // Secrets never go in the config file, as for relay upstreams: a file or an env var.
    secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
    secret_file: z.string().min(1),
    allow_private: z.boolean().default(false),
    retry: retrySchema,
  })
  .partial({ secret_env: true, secret_file: true })
  .strict();

const sectionSchema = z.array(webhookSchema).max(100);

/** The `webhooks:` list of the config file, plus --webhook for one more. */
export function readWebhookConfig(sources: WebhookSources): readonly Webhook[] {
  const { read } = sources;
  const allowPrivate = read.setting('webhook-allow-private', parseBoolean);
  const webhooks = parseSection(sources, allowPrivate);
  const url = read.optional('webhook', (text) => z.url({ protocol: /^https?$/ }).parse(text));
  const secret = read.optional('webhook-secret', (text) => text);
  const filter = read.optional('webhook-filter', (text) => {
    if (!filterSchema.safeParse(text).success) throw new Error('not a valid search');
    return text;
  });
  if (url === null && (secret !== null || filter !== null)) {
    const other = secret !== null ? 'webhook-secret' : 'webhook-filter';
    throw new ConfigError(`${describeOption(other)} needs ${describeOption('webhook')} too`);
  }
  if (url !== null) {
    webhooks.unshift({
      name: FLAG_WEBHOOK_NAME,
      url,
      filter,
      secret,
      allowPrivate,
      retry: WEBHOOK_RETRY,
    });
  }
  const names = new Set<string>();
  for (const webhook of webhooks) {
    if (names.has(webhook.name))
      throw new ConfigError(`webhooks: the name "${webhook.name}" is used twice`);
    names.add(webhook.name);
  }
  return webhooks;
}

function parseSection(sources: WebhookSources, allowPrivate: boolean): Webhook[] {
  if (sources.section === undefined) return [];
  if (Array.isArray(sources.section)) {
    const inline = sources.section.findIndex((w) => w && typeof w === 'object' && 'secret' in w);
    if (inline >= 0)
      throw new ConfigError(
        `webhooks[${inline}].secret: secrets never go in the config file; use secret_env (an environment variable's name) or secret_file`,
      );
  }
  const parsed = sectionSchema.safeParse(sources.section);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`));
    throw new ConfigError(`webhooks${where.join('')}: ${issue.message}`);
  }
  return parsed.data.map((input, i) => {
    const where = `webhooks[${i}]`;
    let secret: string | null = null;
    if (input.secret_file) {
      try {
        secret = sources.read.file(input.secret_file).replace(/\r?\n$/, '');
      } catch (error) {
        throw new ConfigError(`${where}.secret_file: ${(error as Error).message}`);
      }
    } else if (input.secret_env) {
      secret = sources.env[input.secret_env] ?? null;
      if (secret === null)
        throw new ConfigError(
          `${where}.secret_env: the environment variable ${input.secret_env} is not set`,
        );
    }
    return {
      name: input.name,
      url: input.url,
      filter: input.filter ?? null,
      secret,
      allowPrivate: allowPrivate || input.allow_private,
      retry: {
        initialMs: input.retry.initial ?? WEBHOOK_RETRY.initialMs,
        maxMs: input.retry.max ?? WEBHOOK_RETRY.maxMs,
        maxAgeMs: input.retry.max_age ?? WEBHOOK_RETRY.maxAgeMs,
      },
    };
  });
}
