// `npm run dev` end to end, as a newcomer runs it: the real entry point in a
// child process with an empty data directory and the embedded database, its
// own Temporal dev server on free ports (never the one of the test run), then
// Ctrl-C (SIGINT), a second start on the same data, and a port in use.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailable } from '../../src/dev/bootstrap.js';
import { REPO_ROOT } from '../../src/dev/processes.js';
import { freePort } from '../../src/temporal/dev-server.js';
import { BLACKHOLE_METRIC } from '../../src/vim/netns.js';
import { freshNetnsConfig } from '../vim/helpers.js';

const exec = promisify(execFile);
const START_LIMIT_MS = 120_000;
const STOP_LIMIT_MS = 16_000;

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const dataDir = mkdtempSync(join(tmpdir(), 'vnfm-dev-test-'));
let env: NodeJS.ProcessEnv;
let ports: Record<'api' | 'temporal' | 'ui' | 'db' | 'monitorMetrics' | 'conductorMetrics', number>;
let netns: { bridge: string; pool: string };
let netnsWhyNot: string | undefined;
const started: ChildProcess[] = [];

function startDev(extraEnv: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/dev/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, out: () => out, err: () => err, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  run: Run,
  probe: () => Promise<T | undefined>,
  limitMs: number,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(250);
  }
  throw new Error(
    `${what}: not within ${limitMs / 1000} s${exited ? ' (npm run dev exited)' : ''}\n${run.out()}\n${run.err()}`,
  );
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(3000) });
  await res.arrayBuffer();
  return res.status;
}

const apiUrl = () => `http://127.0.0.1:${ports.api}`;

/** Starts npm run dev and waits for /healthz, the Web UI and the printed banner. */
async function startAndWait(): Promise<{ run: Run; token: string; healthzMs: number; readyMs: number }> {
  const t0 = Date.now();
  const run = startDev();
  await until(
    '/healthz 200',
    run,
    async () => ((await status(`${apiUrl()}/healthz`)) === 200 ? true : undefined),
    START_LIMIT_MS,
  );
  const healthzMs = Date.now() - t0;
  await until(
    'the Web UI',
    run,
    async () => ((await status(`http://127.0.0.1:${ports.ui}/`)) === 200 ? true : undefined),
    START_LIMIT_MS - healthzMs,
  );
  const token = await until(
    'the banner',
    run,
    async () => /export VNFM_TOKEN=(\S+)/.exec(run.out())?.[1],
    START_LIMIT_MS,
  );
  return { run, token, healthzMs, readyMs: Date.now() - t0 };
}

function childPids(): number[] {
  return (JSON.parse(readFileSync(join(dataDir, 'dev.pid'), 'utf8')) as { children: number[] }).children;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGINT, as Ctrl-C: exit 0 within the bound, and none of its processes left. */
async function interrupt(run: Run): Promise<void> {
  const pids = childPids();
  expect(pids).toHaveLength(4); // API, monitor worker, conductor worker, Temporal
  expect(pids.every(alive)).toBe(true);
  const t0 = Date.now();
  run.child.kill('SIGINT');
  const exit = await Promise.race([run.exited, sleep(STOP_LIMIT_MS + 5000).then(() => undefined)]);
  expect(exit, `no exit after SIGINT\n${run.out()}\n${run.err()}`).toBeDefined();
  expect(exit!.code, run.out() + run.err()).toBe(0);
  expect(exit!.at - t0).toBeLessThan(STOP_LIMIT_MS);
  expect(pids.filter(alive)).toEqual([]);
  expect(existsSync(join(dataDir, 'dev.pid'))).toBe(false);
}

beforeAll(async () => {
  ports = {
    api: await freePort(),
    temporal: await freePort(),
    ui: await freePort(),
    db: await freePort(),
    monitorMetrics: await freePort(),
    conductorMetrics: await freePort(),
  };
  netnsWhyNot = await netnsUnavailable();
  netns = netnsWhyNot
    ? {
        bridge: `vd${randomBytes(3).toString('hex')}`,
        pool: `10.${200 + randomInt(56)}.${randomInt(256)}.0/26`,
      }
    : await freshNetnsConfig();
  env = { ...process.env };
  // The embedded database, whatever the test run itself uses.
  delete env.DATABASE_URL;
  Object.assign(env, {
    VNFM_DATA_DIR: dataDir,
    VNFM_API_PORT: String(ports.api),
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    VNFM_TEMPORAL_UI_PORT: String(ports.ui),
    VNFM_DEV_DB_PORT: String(ports.db),
    VNFM_MONITOR_METRICS_PORT: String(ports.monitorMetrics),
    VNFM_CONDUCTOR_METRICS_PORT: String(ports.conductorMetrics),
    VNFM_NETNS_BRIDGE: netns.bridge,
    VNFM_NETNS_POOL: netns.pool,
    VNFM_DEV_TEMPORAL: 'start',
    VNFM_LOG_LEVEL: 'info',
    NO_COLOR: '1',
  });
});

afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (existsSync(join(dataDir, 'dev.pid')))
    for (const pid of childPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  if (!netnsWhyNot) {
    await exec('ip', ['link', 'del', 'dev', netns.bridge]).catch(() => undefined);
    await exec('ip', ['route', 'del', 'blackhole', netns.pool, 'metric', String(BLACKHOLE_METRIC)]).catch(
      () => undefined,
    );
  }
});

describe('npm run dev', () => {
  let firstToken: string;
  let vnfdId: string;

  it('starts everything on an empty data directory, prints a working token, and stops on SIGINT', async () => {
    const { run, token, healthzMs, readyMs } = await startAndWait();
    console.log(
      `first start: /healthz after ${(healthzMs / 1000).toFixed(1)} s, ready after ${(readyMs / 1000).toFixed(1)} s`,
    );
    firstToken = token;
    const out = run.out();
    expect(out).toContain(`http://localhost:${ports.api}`);
    expect(out).toContain(
      `http://localhost:${ports.ui}/namespaces/default/workflows?query=WorkflowType%3D%22vnfMonitorWorkflow%22`,
    );
    expect(out).toContain(`curl -s -H "X-Auth-Token: $VNFM_TOKEN" http://localhost:${ports.api}/v1.0/vnfs`);
    for (const prefix of ['[api]', '[monitor]', '[conductor]']) expect(out).toContain(prefix);
    // The vim line says netns where namespaces work, else static.
    expect(out).toMatch(
      netnsWhyNot
        ? /VIM\s+static VIM 'dev-static'/
        : new RegExp(`VIM\\s+netns VIM 'dev-netns' \\(bridge ${netns.bridge}`),
    );

    const auth = { 'X-Auth-Token': token };
    const vnfs = await fetch(`${apiUrl()}/v1.0/vnfs`, { headers: auth });
    expect(vnfs.status).toBe(200);
    expect(await vnfs.json()).toEqual({ vnfs: [] });
    expect(await status(`${apiUrl()}/v1.0/vnfs`)).toBe(401);
    expect(statSync(join(dataDir, 'dev-token')).mode & 0o777).toBe(0o600);

    // Some data for the second start to find.
    const template = readFileSync(join(REPO_ROOT, 'test/fixtures/vnfd/vnfd-ping-respawn.yaml'), 'utf8');
    const created = await fetch(`${apiUrl()}/v1.0/vnfds`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ vnfd: { name: 'dev-test', attributes: { vnfd: template } } }),
    });
    expect(created.status).toBe(201);
    vnfdId = ((await created.json()) as { vnfd: { id: string } }).vnfd.id;

    await interrupt(run);
  }, 200_000);

  it('starts again on the same data (same token, same rows), and stops everything when a child dies', async () => {
    expect(firstToken).toBeDefined();
    const { run, token, healthzMs, readyMs } = await startAndWait();
    console.log(
      `second start: /healthz after ${(healthzMs / 1000).toFixed(1)} s, ready after ${(readyMs / 1000).toFixed(1)} s`,
    );
    expect(token).toBe(firstToken);
    const res = await fetch(`${apiUrl()}/v1.0/vnfds/${vnfdId}`, { headers: { 'X-Auth-Token': token } });
    expect(res.status).toBe(200);
    const vims = (await (
      await fetch(`${apiUrl()}/v1.0/vims`, { headers: { 'X-Auth-Token': token } })
    ).json()) as {
      vims: unknown[];
    };
    expect(vims.vims).toHaveLength(1); // not registered twice

    // A worker that dies takes the whole stack down with one line saying so.
    const pids = childPids();
    const conductor = pids.find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('src/conductor/main.ts'),
    )!;
    process.kill(conductor, 'SIGKILL');
    const exit = await Promise.race([run.exited, sleep(STOP_LIMIT_MS + 5000).then(() => undefined)]);
    expect(exit?.code, run.out() + run.err()).toBe(1);
    expect(run.out()).toMatch(
      new RegExp(`\\[dev\\] +conductor \\(pid ${conductor}\\) exited unexpectedly \\(killed by SIGKILL\\)`),
    );
    expect(pids.filter(alive)).toEqual([]);
  }, 200_000);

  it('refuses to start when a port is taken, with one line naming it', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(ports.api, '0.0.0.0', resolve));
    try {
      const run = startDev();
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      const lines = run.err().trim().split('\n');
      expect(lines, run.err()).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^vnfm dev: port ${ports.api} \\(the API, VNFM_API_PORT\\) is already in use`),
      );
      expect(run.out()).toBe('');
      expect(existsSync(join(dataDir, 'dev.pid'))).toBe(false);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  }, 60_000);
});
