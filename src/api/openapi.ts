// /openapi.json, generated from the route registry and the zod schemas that
// validate requests (z.toJSONSchema), so it lists every route and cannot
// drift from what the code accepts.
import { z } from 'zod';
import type { AnyRoute } from './route.js';
import { tackerError } from './schemas/common.js';

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input; the message names the field and the problem',
  401: 'No token, or an unknown or revoked one',
  403: 'The token may not do this (admin only)',
  404: 'No such resource (or another tenant’s)',
  405: 'Method not allowed on this path',
  409: 'In use, or in a state that does not allow this',
  413: 'Request body too large',
  415: 'The body is not JSON',
  503: 'A dependency (Temporal, the conductor, a monitor worker) did not answer in time',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete s.$schema;
  return s;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop as JsonSchema & { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

export function buildOpenApi(routes: readonly AnyRoute[], info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? {
              content: {
                [spec.contentType ?? 'application/json']: { schema: jsonSchema(spec.schema, 'output') },
              },
            }
          : spec.contentType
            ? { content: { [spec.contentType]: { schema: { type: 'string' } } } }
            : {}),
      };
    }
    for (const status of [...r.errors, ...(r.public ? [] : [401, 405])]) {
      responses[String(status)] ??= {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/TackerError' } } },
      };
    }
    (paths[r.path] ??= {})[r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      security: r.public ? [] : [{ authToken: [] }, { bearer: [] }],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body
        ? {
            requestBody: {
              required: !r.bodyOptional,
              content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'vnfm API',
      version: info.version,
      description:
        "A VNF manager compatible with OpenStack Tacker's legacy v1.0 API. Every response carries X-Request-Id; " +
        'errors are {"TackerError": {"type", "message", "detail"}}.',
    },
    tags: [
      { name: 'vims', description: 'Virtual infrastructure managers (netns, static)' },
      { name: 'vnfds', description: 'VNF descriptors (TOSCA)' },
      { name: 'vnfs', description: 'VNFs, their operations and monitors' },
      { name: 'events', description: 'Audit trail of every transition' },
      { name: 'holds', description: 'Correlated-failure holds of destructive actions, and their release' },
      { name: 'system', description: 'Health, readiness, metrics and this document' },
    ],
    components: {
      securitySchemes: {
        authToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Auth-Token',
          description: 'A token from `vnfm token create`.',
        },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: { TackerError: jsonSchema(tackerError, 'output') },
    },
    paths,
  };
}
