import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendNumbered } from './support.js';

interface Operation {
  summary?: string;
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, unknown>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

let sluice: TestSluice;
let document: OpenApi;
beforeAll(async () => {
  sluice = await startSluice();
  document = await sluice.getJson<OpenApi>('/api/openapi.json');
  await sendNumbered(sluice, 1);
});
afterAll(() => sluice.close());

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toBeTruthy();
    expect(Object.keys(document.paths).length).toBeGreaterThan(5);
    for (const [path, operations] of Object.entries(document.paths)) {
      expect(path).toMatch(/^\/api\//);
      for (const [method, operation] of Object.entries(operations)) {
        expect(['get', 'post', 'put', 'patch', 'delete']).toContain(method);
        expect(operation.summary, `${method} ${path}`).toBeTruthy();
        const statuses = Object.keys(operation.responses);
        expect(
          statuses.some((status) => /^2\d\d$/.test(status)),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
  });

  it('declares every path parameter it uses', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, operation] of Object.entries(operations)) {
        const declared = (operation.parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        expect(declared, `${method} ${path}`).toEqual(inPath);
      }
    }
  });

  it('resolves every $ref to a schema in components', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const name = /#\/components\/schemas\/(\w+)/.exec(ref)?.[1];
      expect(name, ref).toBeDefined();
      expect(document.components.schemas, ref).toHaveProperty(name!);
    }
  });

  it('names every field of the summaries and details the API returns', async () => {
    const schemas = document.components.schemas as Record<
      string,
      { properties?: Record<string, unknown>; allOf?: Array<{ properties?: object }> }
    >;
    const summaryFields = Object.keys(schemas.MessageSummary!.properties!);
    const detailFields = [
      ...summaryFields,
      ...Object.keys(schemas.MessageDetail!.allOf![1]!.properties!),
    ];
    const { messages } = await sluice.getJson<{ messages: Array<{ id: number }> }>('/api/messages');
    expect(Object.keys(messages[0]!).sort()).toEqual([...summaryFields].sort());
    const detail = await sluice.getJson<object>(`/api/messages/${messages[0]!.id}`);
    expect(Object.keys(detail).sort()).toEqual(detailFields.sort());
  });
});
