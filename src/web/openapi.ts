import type { OpenAPIHono } from '@hono/zod-openapi';
import type { WebAuth } from '../config/web.js';
import { openApiDocument } from './routes/system-contract.js';

export interface OpenApiOptions {
  /** `/` or e.g. `/mail/`: the document's server, since its paths start at `/api`. */
  readonly basePath: string;
  /** Which sign-ins the document declares: those the server accepts. */
  readonly auth: WebAuth;
}

const DESCRIPTION =
  'Captured mail over HTTP. A write with a body sends it as JSON (Content-Type: application/json); ' +
  'an operation with no request body needs none. Errors are {"error": {"code", "message"}}. ' +
  'When sign-in is on, every path but the probes needs HTTP Basic or a bearer token; ' +
  'operations marked x-sluice-role: releaser need the releaser role (--http-releasers). ' +
  'This document is generated from the same definitions that validate each request.';

/**
 * Serves `/api/openapi.json`, generated from every route `site` holds that was defined with
 * a contract (routes/*-contract.ts). Built on the first request, when every route is mounted.
 */
export function serveOpenApi(site: OpenAPIHono, options: OpenApiOptions): void {
  let document: object | undefined;
  site.openapi(openApiDocument, (c) => c.json((document ??= describe(site, options)), 200));
}

function describe(site: OpenAPIHono, { basePath, auth }: OpenApiOptions) {
  const schemes = signIns(auth);
  for (const name of schemes)
    site.openAPIRegistry.registerComponent('securitySchemes', name, SECURITY_SCHEMES[name]);
  return site.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Sluice API',
      version: '1',
      description: DESCRIPTION,
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    servers: [{ url: basePath === '/' ? '/' : basePath.slice(0, -1) }],
    // Sign-in off: anyone may call ({} is "no credentials"). On: one of those it accepts.
    security: schemes.length ? schemes.map((name) => ({ [name]: [] })) : [{}],
  });
}

/** The sign-ins the chain knows (auth/authenticate.ts). */
const SECURITY_SCHEMES = {
  basic: {
    type: 'http',
    scheme: 'basic',
    description: 'A user of --http-auth-file / --http-auth',
  },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'A token of --http-tokens-file / --http-tokens',
  },
} as const;

/** The sign-ins this server accepts: none with sign-in off. */
function signIns(auth: WebAuth): (keyof typeof SECURITY_SCHEMES)[] {
  if (auth.mode === 'off') return [];
  return [
    ...(auth.users.size > 0 ? (['basic'] as const) : []),
    ...(auth.tokens.size > 0 ? (['bearer'] as const) : []),
  ];
}
