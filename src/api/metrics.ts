// The API's Prometheus metrics, on a registry of their own (each app gets
// one, so several apps in one process never collide).
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/client.js';
import { newQueryClock, withQueryClock } from '../db/query-time.js';
import type { Logger } from '../logger.js';
import { locals } from './route.js';

export interface ApiMetrics {
  registry: Registry;
  requestDuration: Histogram<'route' | 'method' | 'status'>;
  dbDuration: Histogram<'route' | 'method'>;
  lifecycleOperations: Counter<'operation' | 'result'>;
  middleware: RequestHandler;
}

export function createApiMetrics(
  registry = new Registry(),
  opts: { defaultMetrics?: boolean; db?: Db; logger?: Logger } = {},
): ApiMetrics {
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const db = opts.db;
  if (db) {
    // Read at scrape time from the table the conductors write, so every API
    // replica reports the same cluster-wide totals (the conductor's own
    // vnfm_policy_actions_total counts what one process did since it started).
    new Gauge({
      name: 'vnfm_policy_action_executions',
      help: 'Policy action executions recorded in the database (all conductors), by action and result (ok, bad_action, stop; running while in progress).',
      labelNames: ['action', 'result'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          const rows = await db.$queryRaw<{ action: string; result: string | null; n: bigint }[]>`
            SELECT action, CASE WHEN status = 'RUNNING' THEN 'running' ELSE result->>'result' END AS result, count(*) AS n
            FROM policy_action_executions GROUP BY 1, 2`;
          for (const r of rows) this.set({ action: r.action, result: r.result ?? 'unknown' }, Number(r.n));
        } catch (err) {
          opts.logger?.warn({ err }, 'could not read policy action executions for /metrics');
        }
      },
    });
  }
  const requestDuration = new Histogram({
    name: 'vnfm_api_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // Beside the request's duration: what of it was PostgreSQL, so a slow tail
  // can be told apart from waiting on the event loop or the CPU.
  const dbDuration = new Histogram({
    name: 'vnfm_api_db_duration_seconds',
    help: 'Time an HTTP request spent in PostgreSQL queries (each from sent to result, summed), by route template and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const lifecycleOperations = new Counter({
    name: 'vnfm_api_lifecycle_operations_total',
    help: 'Lifecycle operations requested through the API, by operation and result (accepted, not_found, conflict, invalid, in_use, unavailable, error).',
    labelNames: ['operation', 'result'] as const,
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    const clock = newQueryClock();
    res.on('finish', () => {
      // Route templates only: ids in label values would explode cardinality.
      const route = locals(res).route ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      requestDuration.observe({ route, method: req.method, status: String(res.statusCode) }, seconds);
      dbDuration.observe({ route, method: req.method }, clock.seconds);
    });
    withQueryClock(clock, next);
  };
  return { registry, requestDuration, dbDuration, lifecycleOperations, middleware };
}
