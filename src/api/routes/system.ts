// Routes for operators and orchestrators rather than Tacker clients:
// liveness, readiness, Prometheus metrics and the OpenAPI document.
import { z } from 'zod';
import { checkDb } from '../../db/client.js';
import type { ApiDeps } from '../deps.js';
import { route, type AnyRoute } from '../route.js';
import { within } from '../timeout.js';

const READY_TIMEOUT_MS = 3000;

const readiness = z.strictObject({
  status: z.enum(['ok', 'unavailable']),
  checks: z.strictObject({ database: z.string(), temporal: z.string() }),
});

async function check(what: string, p: () => Promise<unknown>): Promise<string> {
  try {
    await within(READY_TIMEOUT_MS, what, p());
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message.split('\n', 1)[0]}`;
  }
}

export function systemRoutes({ db, temporal, metrics }: ApiDeps, openapi: () => unknown): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness: the process is up',
      tag: 'system',
      public: true,
      responses: { 200: { description: 'Up', schema: z.strictObject({ status: z.literal('ok') }) } },
      errors: [],
      handler: async () => ({ status: 200, body: { status: 'ok' } }),
    }),

    route({
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: the database and Temporal answer',
      tag: 'system',
      public: true,
      responses: {
        200: { description: 'Ready', schema: readiness },
        503: { description: 'Not ready; checks says which dependency failed', schema: readiness },
      },
      errors: [],
      handler: async () => {
        const [database, temporalCheck] = await Promise.all([
          check('the database', () => checkDb(db)),
          check('Temporal', () =>
            temporal.withDeadline(Date.now() + READY_TIMEOUT_MS, () =>
              temporal.workflowService.getSystemInfo({}),
            ),
          ),
        ]);
        const ok = database === 'ok' && temporalCheck === 'ok';
        return {
          status: ok ? 200 : 503,
          body: { status: ok ? 'ok' : 'unavailable', checks: { database, temporal: temporalCheck } },
        };
      },
    }),

    route({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tag: 'system',
      public: true,
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
      errors: [],
      handler: async () => ({
        status: 200,
        text: await metrics.registry.metrics(),
        contentType: metrics.registry.contentType,
      }),
    }),

    route({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'system',
      public: true,
      responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) } },
      errors: [],
      handler: async () => ({ status: 200, body: openapi() }),
    }),
  ];
}
