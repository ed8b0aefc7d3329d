// The route registry: every endpoint is declared once, with the zod schemas
// that validate its path, query and body and describe its responses. The
// same declarations mount the express handlers and generate /openapi.json,
// so the document cannot drift from the code.
import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import type { Principal } from '../auth/tokens.js';
import type { Logger } from '../logger.js';
import { ApiError, invalidInput, zodProblems } from './errors.js';

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body; omit for bodiless answers (204). */
  schema?: z.ZodType;
  /** Non-JSON bodies (/metrics). */
  contentType?: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A JSON body already serialised (large pages written without building objects); checked like `body`. */
  json?: string | Buffer;
  /** A body already serialised, sent with `contentType`. */
  text?: string;
  contentType?: string;
}

export interface RouteContext<P, Q, B> {
  req: Request;
  params: P;
  query: Q;
  body: B;
  /** Who the request acts for (routes under /v1.0 only). */
  principal: Principal;
  requestId: string;
  log: Logger;
}

export interface Route<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** OpenAPI form: /v1.0/vnfs/{vnf_id}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** No token needed (health, metrics, the document itself). */
  public?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be absent (DELETE /v1.0/vnfs/{id}). */
  bodyOptional?: boolean;
  /** Answer for a malformed path id: the resource's own 404. */
  notFound?: (raw: Record<string, string>) => ApiError;
  responses: Record<number, ResponseSpec>;
  /** Error statuses this route answers with a TackerError. */
  errors: number[];
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<Reply>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = Route<any, any, any>;

/** Declares a route; the identity function, there for type inference. */
export function route<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
>(r: Route<P, Q, B>): Route<P, Q, B> {
  return r;
}

export const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

export interface Locals {
  requestId: string;
  log: Logger;
  principal?: Principal;
  /** The matched route's path template (metrics label). */
  route?: string;
}

export const locals = (res: Response) => res.locals as Locals;

/** Whether the request carries body bytes (body-parser left it alone when it is not JSON). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function parseBody(r: AnyRoute, req: Request): unknown {
  if (!r.body) return undefined;
  if (req.body === undefined) {
    if (hasBody(req))
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        'the request body must be JSON (Content-Type: application/json)',
      );
    if (r.bodyOptional) return undefined;
    throw invalidInput([{ path: '', message: 'a JSON request body is required' }]);
  }
  const parsed = r.body.safeParse(req.body);
  if (!parsed.success) throw invalidInput(zodProblems(parsed.error, req.body));
  return parsed.data;
}

function context(r: AnyRoute, req: Request, res: Response): RouteContext<unknown, unknown, unknown> {
  const l = locals(res);
  let params: unknown = req.params;
  if (r.params) {
    const p = r.params.safeParse(req.params);
    if (!p.success)
      throw r.notFound?.(req.params as Record<string, string>) ?? new ApiError(404, 'NotFound', 'not found');
    params = p.data;
  }
  let query: unknown = {};
  if (r.query) {
    const q = r.query.safeParse(req.query);
    if (!q.success) throw invalidInput(zodProblems(q.error, req.query));
    query = q.data;
  }
  const body = parseBody(r, req);
  return {
    req,
    params,
    query,
    body,
    get principal(): Principal {
      if (!l.principal) throw new Error(`route ${r.operationId} is public but reads the principal`);
      return l.principal;
    },
    requestId: l.requestId,
    log: l.log,
  };
}

function send(res: Response, reply: Reply): void {
  res.status(reply.status);
  if (reply.json !== undefined) {
    // What res.json sends, for a body already serialised (a Buffer would otherwise lose the charset).
    res.set('Content-Type', 'application/json; charset=utf-8').send(reply.json);
  } else if (reply.text !== undefined) {
    res.type(reply.contentType ?? 'text/plain').send(reply.text);
  } else if (reply.body === undefined) {
    res.end();
  } else {
    res.json(reply.body);
  }
}

/** Fails loudly (500) when a handler answers with something its declaration does not describe. */
function checkReply(r: AnyRoute, reply: Reply): void {
  const spec = r.responses[reply.status];
  if (!spec) throw new Error(`${r.operationId} answered ${reply.status}, which it does not declare`);
  const body =
    reply.json !== undefined
      ? String(reply.json)
      : reply.body === undefined
        ? undefined
        : JSON.stringify(reply.body);
  if (!spec.schema || body === undefined) return;
  const checked = spec.schema.safeParse(JSON.parse(body));
  if (!checked.success) {
    const where = zodProblems(checked.error)
      .slice(0, 5)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    throw new Error(
      `${r.operationId} answered a ${reply.status} body that does not match its schema: ${where}`,
    );
  }
}

export function mountRoutes(
  router: Router,
  routes: readonly AnyRoute[],
  opts: { checkResponses?: boolean } = {},
): void {
  for (const r of routes) {
    router[r.method](expressPath(r.path), async (req: Request, res: Response) => {
      locals(res).route = r.path;
      const reply = await r.handler(context(r, req, res));
      if (opts.checkResponses) checkReply(r, reply);
      send(res, reply);
    });
  }
  // A known path with another method: 405 with Allow, not a misleading 404.
  const methods = new Map<string, Set<string>>();
  for (const r of routes) {
    const set = methods.get(r.path) ?? new Set<string>();
    set.add(r.method.toUpperCase());
    if (r.method === 'get') set.add('HEAD');
    methods.set(r.path, set);
  }
  for (const [path, allowed] of methods) {
    const allow = [...allowed, 'OPTIONS'].join(', ');
    router.all(expressPath(path), (req: Request, res: Response) => {
      locals(res).route = path;
      if (req.method === 'OPTIONS') {
        res.status(204).set('Allow', allow).end();
        return;
      }
      throw new ApiError(
        405,
        'MethodNotAllowed',
        `${req.method} is not allowed on ${path} (allowed: ${allow})`,
        '',
        {
          Allow: allow,
        },
      );
    });
  }
}
