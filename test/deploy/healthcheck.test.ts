// deploy/healthcheck.mjs, the image's health check, run as the container runs
// it: against real HTTP servers standing in for each role's endpoint, with
// the defaults of src/config.ts.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/config.js';
import { ROOT } from './compose-file.js';

const exec = promisify(execFile);
const SCRIPT = `${ROOT}deploy/healthcheck.mjs`;

/** Runs the health check; resolves with its exit code and stderr. */
async function healthcheck(role: string, env: Record<string, string>) {
  try {
    await exec(process.execPath, [SCRIPT, role], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 10_000,
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

let status = 200;
const paths: string[] = [];
let server: Server;
let port: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(status).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = String((server.address() as AddressInfo).port);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('deploy/healthcheck.mjs', () => {
  it("uses src/config.ts's default ports", async () => {
    // A plain .mjs (no types): imported by URL, its export read as data.
    const { DEFAULT_PORTS } = (await import(pathToFileURL(SCRIPT).href)) as {
      DEFAULT_PORTS: Record<string, string>;
    };
    expect(DEFAULT_PORTS).toEqual({
      api: ENV_VARS.VNFM_API_PORT.default,
      monitor: ENV_VARS.VNFM_MONITOR_METRICS_PORT.default,
      conductor: ENV_VARS.VNFM_CONDUCTOR_METRICS_PORT.default,
    });
  });

  it("asks the API's /readyz and fails while it answers 503", async () => {
    paths.length = 0;
    status = 200;
    expect((await healthcheck('api', { VNFM_API_PORT: port })).code).toBe(0);
    status = 503;
    const r = await healthcheck('api', { VNFM_API_PORT: port });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/readyz answered 503');
    expect(paths).toEqual(['/readyz', '/readyz']);
  });

  it("asks a worker's metrics /healthz", async () => {
    paths.length = 0;
    status = 200;
    expect((await healthcheck('monitor', { VNFM_MONITOR_METRICS_PORT: port })).code).toBe(0);
    expect((await healthcheck('conductor', { VNFM_CONDUCTOR_METRICS_PORT: port })).code).toBe(0);
    expect(paths).toEqual(['/healthz', '/healthz']);
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = String((closed.address() as AddressInfo).port);
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await healthcheck('monitor', { VNFM_MONITOR_METRICS_PORT: free });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ECONNREFUSED');
  });

  it('counts a worker with metrics off, and a one-shot job, as healthy while it runs', async () => {
    expect((await healthcheck('monitor', { VNFM_MONITOR_METRICS_PORT: '0' })).code).toBe(0);
    expect((await healthcheck('conductor', { VNFM_CONDUCTOR_METRICS_PORT: '0' })).code).toBe(0);
    expect((await healthcheck('migrate', {})).code).toBe(0);
  });
});
