import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPeerPath } from '../../src/web/compat/index.js';
import { basic, bearer } from '../helpers/auth.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendNumbered } from './support.js';

// The document is generated from the route contracts (src/web/routes/*-contract.ts): these
// check it against a spec linter, against the routes the app serves, and against what the
// server answers, with sign-in off and on.

interface Response_ {
  $ref?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { required?: boolean };
  responses: Record<string, Response_>;
}
interface OpenApi {
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, { scheme: string }> };
}

const TOKEN = 'ci0123456789abcdef0123456789abcdef';
const PASSWORD = 'alice-Inline-pw1';
const WRITES = new Set(['post', 'put', 'patch', 'delete']);

function operations(document: OpenApi) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );
}

async function lint(document: OpenApi) {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({
    source: JSON.stringify(document),
    absoluteRef: 'openapi.json',
    config,
  });
  return problems.map(
    (p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`,
  );
}

describe.each([
  ['sign-in off, at /', [], '', {}],
  [
    'sign-in on, under /mail/',
    [
      ...['--http-auth', `alice:${PASSWORD}`, '--http-tokens', `ci:${TOKEN}`],
      ...['--http-releasers', 'ci', '--http-base-path', '/mail/'],
      // Mounts the optional routes too: webhooks' (documented) and /metrics (not under /api).
      ...['--webhook', 'http://127.0.0.1:9/hook', '--webhook-allow-private', '--metrics'],
    ],
    '/mail',
    basic('alice', PASSWORD),
  ],
])('the generated document, %s', (_name, args, prefix, signIn) => {
  let sluice: TestSluice;
  let document: OpenApi;
  beforeAll(async () => {
    sluice = (await startSluice(args)).as(signIn);
    document = await sluice.getJson<OpenApi>(`${prefix}/api/openapi.json`);
  });
  afterAll(() => sluice.close());

  it('passes the Redocly linter (recommended rules) with no errors and no warnings', async () => {
    expect(await lint(document)).toEqual([]);
  });

  it('names the server under the base path, and the sign-ins this server accepts', () => {
    expect(document.servers).toEqual([{ url: prefix || '/' }]);
    if (prefix === '') {
      expect(document.security).toEqual([{}]);
      expect(document.components.securitySchemes).toBeUndefined();
    } else {
      expect(document.security).toEqual([{ basic: [] }, { bearer: [] }]);
      expect(document.components.securitySchemes?.basic?.scheme).toBe('basic');
      expect(document.components.securitySchemes?.bearer?.scheme).toBe('bearer');
    }
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations(document).map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every error with the one error shape', () => {
    for (const { method, path, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        // Readiness's 503 is its own answer ({ready: false, reason}), as probes expect.
        if (!/^[45]/.test(status) || path.endsWith('/ready')) continue;
        expect(
          response.content?.['application/json']?.schema?.$ref,
          `${method} ${path} ${status}`,
        ).toBe('#/components/schemas/Error');
      }
    }
  });

  it('documents the statuses that follow from each definition', () => {
    for (const { method, path, operation } of operations(document)) {
      const where = `${method} ${path}`;
      const statuses = Object.keys(operation.responses);
      const open = Array.isArray(operation.security) && operation.security.length === 0;
      // The sign-in chain: 401 and 429 wherever sign-in applies, 403 (Host, origin) everywhere.
      expect(statuses.includes('401'), where).toBe(!open);
      expect(statuses.includes('429'), where).toBe(!open);
      expect(statuses, where).toContain('403');
      // A body means a size limit and a media type; none means no Content-Type is needed.
      expect(statuses.includes('413'), where).toBe(operation.requestBody !== undefined);
      expect(statuses.includes('415'), where).toBe(operation.requestBody !== undefined);
      // Only what takes input can be refused as invalid (a free-text tag never is).
      const takesInput =
        operation.requestBody !== undefined || (operation.parameters ?? []).length > 0;
      if (statuses.includes('400')) expect(takesInput, where).toBe(true);
    }
  });

  it('has an operation for every native route the app serves, and a route for each', () => {
    const served = sluice.app
      .routes()
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, path: r.path.slice(prefix.length) }))
      .filter((r) => r.path.startsWith('/api/') && !isPeerPath(r.path))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = operations(document).map(
      ({ method, path }) => `${method.toUpperCase()} ${path}`,
    );
    expect([...new Set(served)].sort()).toEqual(documented.sort());
  });

  it('answers each operation from its route, never from the catch-all or a dialect', async () => {
    const probe = await startSluice(args);
    try {
      const as = probe.as(signIn);
      await sendNumbered(as, 1);
      for (const { method, path, operation } of operations(document)) {
        if (path === '/api/events' || path === '/api/messages/wait') continue; // they hold on
        const url = prefix + path.replace(/\{(\w+)\}/g, (_, name) => (name === 'tag' ? 'x' : '1'));
        const response = await as.api(url, { method: method.toUpperCase() });
        const body = await response.text();
        const documented = Object.keys(operation.responses);
        expect(documented, `${method} ${path}: ${response.status} ${body}`).toContain(
          String(response.status),
        );
        expect(body, `${method} ${path}`).not.toContain('No API route');
      }
    } finally {
      await probe.close();
    }
  });

  it('lets a write with no request body in the document go without a Content-Type', async () => {
    const bodiless = operations(document).filter(
      ({ method, operation }) => WRITES.has(method) && !operation.requestBody?.required,
    );
    expect(bodiless.map(({ method, path }) => `${method} ${path}`)).toContain(
      'post /api/relay/outbox/{id}/retry',
    );
    const as = sluice.as({ ...signIn, ...bearer(TOKEN) });
    for (const { method, path } of bodiless) {
      if (method === 'delete') continue; // their effect is the point; the loop above sent them
      const response = await as.api(prefix + path.replace(/\{(\w+)\}/g, '999999'), {
        method: method.toUpperCase(),
      });
      expect(response.status, `${method} ${path}`).not.toBe(415);
      expect(response.status, `${method} ${path}`).not.toBe(400);
    }
    // An optional body may also be empty with a JSON type: it means {} (no relay here: 409).
    const empty = await as.api(`${prefix}/api/messages/1/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.status).toBe(409);
  });
});
