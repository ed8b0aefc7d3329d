// The HTTP API as an express app, built from its dependencies so tests run
// it in-process on a random port over real HTTP (src/api/main.ts is the
// production entry).
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import { TokenVerifier } from '../auth/tokens.js';
import type { TemporalConfig } from '../config.js';
import { Prisma, type Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { ApiDeps } from './deps.js';
import { ApiError, INVALID_INPUT, tackerErrorBody } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { createApiMetrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import { locals, mountRoutes, type AnyRoute } from './route.js';
import { eventRoutes } from './routes/events.js';
import { holdRoutes } from './routes/holds.js';
import { systemRoutes } from './routes/system.js';
import { vimRoutes } from './routes/vims.js';
import { vnfOperationRoutes } from './routes/vnf-operations.js';
import { vnfdRoutes } from './routes/vnfds.js';
import { vnfRoutes } from './routes/vnfs.js';

export const API_VERSION = '0.1.0';

export interface CreateAppOptions {
  db: Db;
  temporal: Client;
  temporalConfig: TemporalConfig;
  logger: Logger;
  /** Largest request body (default 1 MiB). */
  bodyLimitBytes?: number;
  /** How long delete/scale/update wait for the workflow's acceptance (default 30 s). */
  lifecycleTimeoutMs?: number;
  /** Token lookup cache; revocations take effect within this time (default 2 s). */
  tokenCacheMs?: number;
  /** Monitor status query timeout (default 5 s). */
  queryTimeoutMs?: number;
  /** Where metrics are registered (default: a registry of this app's own, with process metrics). */
  metricsRegistry?: Registry;
  /** Check every response against its declared schema, answering 500 on a mismatch (tests). */
  checkResponses?: boolean;
}

export interface ApiApp extends Express {
  /** The registered routes (what /openapi.json describes). */
  routes: readonly AnyRoute[];
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Tacker's clients append the format (`/v1.0/vnfs.json`); the server ignored it, so do we. */
const FORMAT_SUFFIX = /^(\/v1\.0\/[^?]*?)\.json(?=\?|$)/;

export function createApp(opts: CreateAppOptions): ApiApp {
  const bodyLimit = opts.bodyLimitBytes ?? 1024 * 1024;
  const metrics = createApiMetrics(opts.metricsRegistry, { db: opts.db, logger: opts.logger });
  const deps: ApiDeps = {
    db: opts.db,
    temporal: opts.temporal,
    metrics,
    lifecycle: new Lifecycle(opts.temporal, opts.temporalConfig, metrics, opts.lifecycleTimeoutMs ?? 30_000),
    queryTimeoutMs: opts.queryTimeoutMs ?? 5000,
  };
  const verifier = new TokenVerifier(opts.db, opts.tokenCacheMs ?? 2000, (err) =>
    opts.logger.warn({ err }, 'could not record token use'),
  );

  let openapi: unknown;
  const routes: AnyRoute[] = [
    ...systemRoutes(deps, () => (openapi ??= buildOpenApi(routes, { version: API_VERSION }))),
    ...vimRoutes(deps),
    ...vnfdRoutes(deps),
    ...vnfRoutes(deps),
    ...vnfOperationRoutes(deps),
    ...eventRoutes(deps),
    ...holdRoutes(deps),
  ];

  const app = express() as unknown as ApiApp;
  app.routes = routes;
  app.disable('x-powered-by');
  // Tacker sent no ETags; hashing every page (100 VNFs ≈ 145 KB) cost a tenth of its CPU.
  app.set('etag', false);
  app.set('query parser', 'simple');

  const requestContext: RequestHandler = (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : `req-${randomUUID()}`;
    res.set('X-Request-Id', requestId);
    const log = opts.logger.child({ reqId: requestId });
    Object.assign(res.locals, { requestId, log });
    const start = Date.now();
    res.on('finish', () => {
      const line = {
        method: req.method,
        route: locals(res).route,
        status: res.statusCode,
        ms: Date.now() - start,
      };
      if (req.method === 'GET' || req.method === 'HEAD') log.debug(line, 'request');
      else log.info(line, 'request');
    });
    const m = FORMAT_SUFFIX.exec(req.url);
    if (m) req.url = m[1]! + req.url.slice(m[0].length);
    next();
  };

  const authenticate: RequestHandler = async (req, res, next) => {
    const header = req.get('x-auth-token');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    const token = header ?? bearer;
    const challenge = { 'WWW-Authenticate': 'Bearer realm="vnfm"' };
    if (header && bearer && header !== bearer) {
      // Two different credentials: refuse rather than guess which one the caller meant.
      throw new ApiError(
        401,
        'Unauthorized',
        'X-Auth-Token and Authorization: Bearer carry different tokens; send one',
        '',
        challenge,
      );
    }
    if (!token) {
      throw new ApiError(
        401,
        'Unauthorized',
        'a token is required: send X-Auth-Token or Authorization: Bearer',
        '',
        challenge,
      );
    }
    const principal = await verifier.verify(token);
    if (!principal) throw new ApiError(401, 'Unauthorized', 'the token is unknown or revoked', '', challenge);
    locals(res).principal = principal;
    next();
  };

  app.use(requestContext);
  app.use(metrics.middleware);
  app.use('/v1.0', authenticate);
  app.use(express.json({ limit: bodyLimit, strict: true, type: 'application/json' }));
  const router = express.Router();
  mountRoutes(router, routes, { checkResponses: opts.checkResponses });
  app.use(router);
  app.use((req) => {
    throw new ApiError(404, 'NotFound', `no such resource: ${req.method} ${req.path.slice(0, 200)}`);
  });
  app.use(errorHandler(bodyLimit));
  return app;
}

/** Errors from express and body-parser carry an HTTP status and a `type`. */
interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message: string;
}

/** Driver adapter error kinds that mean "the database is not there", not "the query is wrong". */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/**
 * Whether the database is unreachable or too busy to answer in time: a 503
 * with Retry-After, not a 500. P2024 (no pool connection in time) and P2028
 * (a transaction could not start in time) are what an overloaded database
 * looks like from here.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientInitializationError) return true;
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (/^P10(01|02|08|17)$|^P20(24|28)$/.test(err.code)) return true;
  const kind = (err.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause?.kind;
  return kind !== undefined && UNAVAILABLE_KINDS.has(kind);
}

function toApiError(err: unknown, bodyLimit: number): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (isDatabaseUnavailable(err)) {
    return new ApiError(503, 'ServiceUnavailable', 'the database is not answering; try again shortly', '', {
      'Retry-After': '5',
    });
  }
  const e = err as HttpishError;
  const status = e?.status ?? e?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than ${bodyLimit} bytes`);
    case 'entity.parse.failed':
      return new ApiError(
        400,
        INVALID_INPUT,
        `the request body is not valid JSON: ${e.message.slice(0, 200)}`,
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'UnsupportedMediaType', e.message);
  }
  return new ApiError(
    status,
    status === 400 ? INVALID_INPUT : 'BadRequest',
    e.expose === false ? 'bad request' : e.message,
  );
}

function errorHandler(bodyLimit: number): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const l = locals(res);
    const known = toApiError(err, bodyLimit);
    if (res.headersSent) {
      l.log.error({ err }, 'error after the response started');
      res.end();
      return;
    }
    if (known) {
      if (known.status >= 500) l.log.warn({ err }, known.message);
      res
        .status(known.status)
        .set(known.headers)
        .json(tackerErrorBody(known.type, known.message, known.detail));
      return;
    }
    l.log.error({ err }, 'unexpected error');
    res
      .status(500)
      .json(
        tackerErrorBody(
          'InternalError',
          `internal error; the log has the details under request id ${l.requestId}`,
          `request id: ${l.requestId}`,
        ),
      );
  };
}
