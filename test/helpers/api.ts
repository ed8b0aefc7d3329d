// Runs the HTTP API in-process on a random port, against the run's real
// database and Temporal server, and makes tenants with tokens. Requests go
// over real HTTP (fetch). Other suites reuse this.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { createApp, type ApiApp, type CreateAppOptions } from '../../src/api/app.js';
import { createApiToken } from '../../src/auth/tokens.js';
import type { TemporalConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { connectClient } from '../../src/temporal/connect.js';
import { testDb, testTemporalConfig, uniqueSuffix } from './env.js';

/** A parsed JSON body: tests assert on its shape, so it is deliberately untyped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface HttpResponse<T = Json> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** A JSON value to send, or a string sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no token even if the client has one. */
  anonymous?: boolean;
}

export interface HttpClient {
  request<T = Json>(method: string, path: string, opts?: RequestOptions): Promise<HttpResponse<T>>;
  get<T = Json>(path: string, opts?: RequestOptions): Promise<HttpResponse<T>>;
  post<T = Json>(path: string, body?: unknown, opts?: RequestOptions): Promise<HttpResponse<T>>;
  put<T = Json>(path: string, body?: unknown, opts?: RequestOptions): Promise<HttpResponse<T>>;
  delete<T = Json>(path: string, body?: unknown, opts?: RequestOptions): Promise<HttpResponse<T>>;
}

export function httpClient(baseUrl: string, token?: string): HttpClient {
  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse> => {
    const headers: Record<string, string> = {};
    if (token && !opts.anonymous) headers['X-Auth-Token'] = token;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers: { ...headers, ...opts.headers }, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return {
    request,
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts) => request('POST', path, { ...opts, body }),
    put: (path, body, opts) => request('PUT', path, { ...opts, body }),
    delete: (path, body, opts) => request('DELETE', path, { ...opts, body }),
  };
}

export interface TestTenant {
  name: string;
  tenantId: string;
  token: string;
  tokenId: string;
  isAdmin: boolean;
  http: HttpClient;
}

export interface TestApi {
  url: string;
  app: ApiApp;
  db: Db;
  temporal: Client;
  temporalConfig: TemporalConfig;
  /** Unauthenticated client. */
  http: HttpClient;
  /** A fresh tenant (unique name) with a token; `admin` makes an admin token. */
  tenant(opts?: { admin?: boolean; name?: string }): Promise<TestTenant>;
  close(): Promise<void>;
}

export async function startTestApi(
  opts: { temporalConfig?: TemporalConfig; app?: Partial<CreateAppOptions> } = {},
): Promise<TestApi> {
  const temporalConfig = opts.temporalConfig ?? testTemporalConfig();
  const db = testDb();
  const temporal = await connectClient(temporalConfig);
  const logger = pino({ level: process.env.VNFM_TEST_API_LOG ?? 'silent' });
  const app = createApp({ db, temporal, temporalConfig, logger, checkResponses: true, ...opts.app });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  // Client and server share this process's event loop: after a stall (a
  // bundle build, a long synchronous step) both idle timers fire together and
  // fetch may reuse a socket the server is closing (ECONNRESET). Let the
  // client, which closes its idle sockets after 4 s, be the one to close.
  server.keepAliveTimeout = 10 * 60_000;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    db,
    temporal,
    temporalConfig,
    http: httpClient(url),
    async tenant(t = {}) {
      const created = await createApiToken(db, {
        tenant: t.name ?? `t-${uniqueSuffix()}`,
        admin: t.admin,
        name: 'test',
      });
      return {
        name: created.tenantName,
        tenantId: created.tenantId,
        token: created.token,
        tokenId: created.id,
        isAdmin: created.isAdmin,
        http: httpClient(url, created.token),
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
      await db.$disconnect();
    },
  };
}
