// /openapi.json is a valid OpenAPI 3 document and lists every route express
// serves, with the request schemas the routes validate with.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type Json, type TestApi } from '../helpers/api.js';

let api: TestApi;
let doc: Json;

beforeAll(async () => {
  api = await startTestApi();
  const res = await api.http.get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(() => api?.close());

/** Every (method, path) express has a handler for, in OpenAPI's path syntax. */
function expressRoutes(): string[] {
  const out = new Set<string>();
  const visit = (stack: Json[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = String(layer.route.path).replace(/:(\w+)/g, '{$1}');
        for (const [method, on] of Object.entries(layer.route.methods ?? {})) {
          if (on && method !== '_all') out.add(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) {
        visit(layer.handle.stack);
      }
    }
  };
  visit((api.app as Json).router.stack);
  return [...out].sort();
}

describe('OpenAPI document', () => {
  it('validates as OpenAPI 3', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toMatch(/^3\./);
  });

  it('lists exactly the routes express serves', () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const served = expressRoutes();
    expect(served.length).toBeGreaterThanOrEqual(20);
    expect(documented).toEqual(served);
    for (const path of [
      '/v1.0/vims',
      '/v1.0/vims/{vim_id}',
      '/v1.0/vnfds/{vnfd_id}',
      '/v1.0/vnfs/{vnf_id}/actions',
      '/v1.0/vnfs/{vnf_id}/resources',
      '/v1.0/vnfs/{vnf_id}/monitor',
      '/v1.0/events/{event_id}',
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });

  it('carries the request schemas the routes validate with, and TackerError for errors', () => {
    const create = doc.paths['/v1.0/vnfs'].post;
    const vnf = create.requestBody.content['application/json'].schema.properties.vnf;
    expect(vnf.properties.name).toMatchObject({ type: 'string', maxLength: 255, minLength: 1 });
    expect(vnf.additionalProperties).toBe(false);
    expect(
      create.responses['201'].content['application/json'].schema.properties.vnf.properties.mgmt_ip_address,
    ).toBeDefined();
    expect(create.responses['400'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/TackerError',
    });
    expect(create.security).toEqual([{ authToken: [] }, { bearer: [] }]);
    const scale =
      doc.paths['/v1.0/vnfs/{vnf_id}/actions'].post.requestBody.content['application/json'].schema;
    expect(scale.properties.scale.properties.type.enum).toEqual(['out', 'in']);
    const list = doc.paths['/v1.0/vnfs'].get.parameters;
    expect(list.map((p: Json) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'marker', 'name', 'status']),
    );
    expect(list.find((p: Json) => p.name === 'limit')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'string', pattern: '^\\d{1,4}$' },
    });
    const show = doc.paths['/v1.0/vnfs/{vnf_id}'].get.parameters;
    expect(show).toEqual([expect.objectContaining({ name: 'vnf_id', in: 'path', required: true })]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.components.schemas.TackerError.properties.TackerError.required).toEqual([
      'type',
      'message',
      'detail',
    ]);
  });
});
