import { z } from 'zod';
import { UPSTREAM_TLS_MODES, type UpstreamTls } from './relay-types.js';
import { parseDuration } from './values.js';

/** The `relay:` section of the YAML file as written (snake_case keys), checked by zod. */

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDuration(String(value));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** Backoff of a durable queue (the outbox, webhooks): first delay, longest delay, give up after. */
export const retrySchema = z
  .object({
    initial: duration.optional(),
    max: duration.optional(),
    max_age: duration.optional(),
  })
  .strict()
  .default({});

const patternSchema = z
  .string()
  .min(1)
  .refine((text) => !isRegex(text) || compiles(text), {
    message: 'is not a valid /regular expression/',
  });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

export const upstreamSchema = z
  .object({
    name: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, dot, dash, underscore'),
    preset: z.enum(['gmail', 'ses']).optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
      .optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    tls: z.enum(UPSTREAM_TLS_MODES as [UpstreamTls, ...UpstreamTls[]]).optional(),
    insecure: z.boolean().default(false),
    ca_file: z.string().min(1).optional(),
    auth: z.enum(['none', 'plain', 'login', 'cram-md5', 'xoauth2']).optional(),
    user: z.string().min(1).optional(),
    password_env: envName.optional(),
    password_file: z.string().min(1).optional(),
    client_id: z.string().min(1).optional(),
    client_secret_env: envName.optional(),
    client_secret_file: z.string().min(1).optional(),
    refresh_token_env: envName.optional(),
    refresh_token_file: z.string().min(1).optional(),
    access_url: z.url({ protocol: /^https?$/ }).optional(),
    envelope_from: z.email().optional(),
    from: z.string().min(1).refine(noLineBreak, 'must be one line').optional(),
    rate_limit: z.number().positive().optional(),
    max_connections: z.number().int().min(1).max(100).default(2),
    ehlo_name: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,253}$/, 'a host name')
      .optional(),
  })
  .strict();

const ruleSchema = z
  .object({
    name: z.string().min(1).max(100).optional(),
    match: z
      .object({
        recipient: patternSchema.optional(),
        sender: patternSchema.optional(),
        subject: patternSchema.optional(),
        header: z
          .object({ name: z.string().regex(/^[!-9;-~]+$/, 'a header name'), value: patternSchema })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    action: z.enum(['relay', 'hold', 'capture']).default('capture'),
    rewrite: z.email().optional(),
    upstream: z.string().optional(),
  })
  .strict();

export const sectionSchema = z
  .object({
    upstreams: z.array(upstreamSchema).default([]),
    rules: z.array(ruleSchema).default([]),
    /** Addresses a person may release a message to besides its own envelope recipients. */
    release_to: z.array(patternSchema).max(1000).default([]),
    retry: retrySchema,
  })
  .strict();

export type UpstreamInput = z.infer<typeof upstreamSchema>;

function isRegex(text: string): boolean {
  return /^\/.*\/[a-z]*$/s.test(text) && text.length >= 2;
}

function compiles(text: string): boolean {
  const match = /^\/(.*)\/([a-z]*)$/s.exec(text)!;
  try {
    new RegExp(match[1]!, match[2]);
    return true;
  } catch {
    return false;
  }
}

function noLineBreak(text: string): boolean {
  return !/[\r\n]/.test(text);
}
