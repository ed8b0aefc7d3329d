// Starting from scratch with `npm run dev`, as README says and as a newcomer
// does it: the real entry point in a child process with the embedded
// database, its own Temporal, a netns VIM. A VNF is created; `npm run dev --
// --reset` (twice in a row) must remove its namespace before the data and
// start anew where the next VNF works; deleting the data directory by hand
// must not leave the next start stuck either (the earlier database's objects
// are reclaimed, with a line saying so); and another data directory's bridge
// is refused with one line saying what to do.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailable } from '../../src/dev/bootstrap.js';
import { REPO_ROOT } from '../../src/dev/processes.js';
import { freePort } from '../../src/temporal/dev-server.js';
import { homeHash, homeOfDataDir } from '../../src/vim/host-owner.js';
import { removeMarkedObjects } from '../../src/vim/host-reclaim.js';
import { destroyNamespace } from '../../src/vim/netns-host.js';
import { DEFAULT_STATE_DIR } from '../../src/vim/netns-records.js';
import { BLACKHOLE_METRIC } from '../../src/vim/netns.js';
import { freshNetnsConfig } from '../vim/helpers.js';
import { hostView } from '../vim/state.js';

const exec = promisify(execFile);
// Starts take 15–60 s on a quiet 2-core machine; far longer when others load it (90 s for PGlite alone at load 36).
const START_LIMIT_MS = 300_000;

const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`SKIPPED test/dev/reset.test.ts: ${unavailable}`);

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null }>;
}

const base = mkdtempSync(join(tmpdir(), 'vnfm-reset-test-'));
const dataDir = join(base, 'one');
const otherDir = join(base, 'two');
const started: ChildProcess[] = [];
/** Every VIM the runs registered (for cleanup, whatever marks their objects carry). */
const vims = new Set<string>();
let env: NodeJS.ProcessEnv;
let apiPort: number;
let netns: { bridge: string; pool: string };

function startDev(args: string[] = [], extra: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/dev/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null }>((resolve) =>
    child.once('exit', (code) => resolve({ code })),
  );
  return { child, out: () => out, err: () => err, exited };
}

async function until<T>(what: string, run: Run, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${what}: not within ${ms / 1000} s${exited ? ' (npm run dev exited)' : ''}\n${run.out()}\n${run.err()}`,
  );
}

const api = (path: string) => `http://127.0.0.1:${apiPort}${path}`;

async function call<T>(token: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(api(path), {
    method: body ? 'POST' : 'GET',
    headers: { 'X-Auth-Token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** npm run dev (with `args`) until the banner; returns the run and its token. */
async function start(args: string[] = []): Promise<{ run: Run; token: string }> {
  const run = startDev(args);
  const token = await until(
    'the banner',
    run,
    async () => /export VNFM_TOKEN=(\S+)/.exec(run.out())?.[1],
    START_LIMIT_MS,
  );
  return { run, token };
}

async function stop(run: Run): Promise<void> {
  run.child.kill('SIGINT');
  expect((await run.exited).code, run.out() + run.err()).toBe(0);
}

/** A VNF created over HTTP as README shows, ACTIVE; its VIM and management IP. */
async function createVnf(run: Run, token: string): Promise<{ vimId: string; ip: string }> {
  const template = readFileSync(join(REPO_ROOT, 'test/fixtures/vnfd/vnfd-ping-respawn.yaml'), 'utf8');
  const vnfd = await call<{ vnfd: { id: string } }>(token, '/v1.0/vnfds', {
    vnfd: { name: 'reset-test', attributes: { vnfd: template } },
  });
  expect(vnfd.status).toBe(201);
  const vnf = await call<{ vnf: { id: string } }>(token, '/v1.0/vnfs', {
    vnf: { name: 'web1', vnfd_id: vnfd.body.vnfd.id },
  });
  expect(vnf.status, JSON.stringify(vnf.body)).toBe(201);
  const shown = await until(
    'the VNF to leave PENDING_CREATE',
    run,
    async () => {
      const v = (
        await call<{
          vnf: { status: string; vim_id: string; mgmt_ip_address: string; error_reason: string };
        }>(token, `/v1.0/vnfs/${vnf.body.vnf.id}`)
      ).body.vnf;
      return v.status === 'PENDING_CREATE' ? undefined : v;
    },
    90_000,
  );
  vims.add(shown.vim_id);
  expect(shown.status, shown.error_reason).toBe('ACTIVE');
  return { vimId: shown.vim_id, ip: (JSON.parse(shown.mgmt_ip_address) as Record<string, string>).VDU1! };
}

/** Every vnfm namespace on this host with an address in the dev pool, and that address. */
async function poolNamespaces(): Promise<Map<string, string>> {
  const all = await hostView();
  const prefix = netns.pool.split('.').slice(0, 3).join('.') + '.';
  return new Map(
    [...all].flatMap(([ns, addrs]) =>
      addrs.filter((a) => a.startsWith(prefix)).map((a) => [ns, a] as [string, string]),
    ),
  );
}

beforeAll(async () => {
  apiPort = await freePort();
  netns = unavailable ? { bridge: 'unused', pool: '10.255.255.0/26' } : await freshNetnsConfig();
  env = { ...process.env };
  delete env.DATABASE_URL;
  Object.assign(env, {
    VNFM_DATA_DIR: dataDir,
    VNFM_API_PORT: String(apiPort),
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    VNFM_TEMPORAL_UI_PORT: String(await freePort()),
    VNFM_DEV_DB_PORT: String(await freePort()),
    VNFM_MONITOR_METRICS_PORT: '0',
    VNFM_CONDUCTOR_METRICS_PORT: '0',
    VNFM_NETNS_BRIDGE: netns.bridge,
    VNFM_NETNS_POOL: netns.pool,
    VNFM_DEV_TEMPORAL: 'start',
    VNFM_LOG_LEVEL: 'info',
    NO_COLOR: '1',
  });
});

// A failed test must not leave its npm run dev holding the data directory for the next one.
afterEach(async () => {
  for (const c of started) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGINT');
    await Promise.race([
      new Promise((r) => c.once('exit', r)),
      new Promise((r) => setTimeout(r, 20_000)).then(() => c.kill('SIGKILL')),
    ]);
  }
});

afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (!unavailable) {
    const homes = new Set([dataDir, otherDir].map((d) => homeHash(homeOfDataDir(d))));
    await removeMarkedObjects((m) => homes.has(m.homeHash)).catch(() => undefined);
    for (const vimId of vims) {
      for (const ns of (await hostView(vimId)).keys()) {
        await destroyNamespace(ns);
        rmSync(join(DEFAULT_STATE_DIR, `${ns}.json`), { force: true });
      }
    }
    await exec('ip', ['link', 'del', 'dev', netns.bridge]).catch(() => undefined);
    await exec('ip', ['route', 'del', 'blackhole', netns.pool, 'metric', String(BLACKHOLE_METRIC)]).catch(
      () => undefined,
    );
  }
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!!unavailable)('starting from scratch with npm run dev', () => {
  /** The VNF the data directory holds at the end of the --reset test. */
  let last: { vimId: string; ip: string } | undefined;

  it('`npm run dev -- --reset` removes the VNFs’ namespaces, then the data, and the next VNF works — twice in a row', async () => {
    let { run, token } = await start();
    let vnf = await createVnf(run, token);
    await stop(run);
    expect((await hostView(vnf.vimId)).size).toBe(1);

    for (const round of [1, 2]) {
      const previous = { vnf, token };
      ({ run, token } = await start(['--reset']));
      expect(run.out(), `round ${round}`).toMatch(
        new RegExp(
          `reset: removed 1 namespace, bridge ${netns.bridge}, route blackhole ${netns.pool.replace(/\./g, '\\.')}.* then the data in ${dataDir}`,
        ),
      );
      expect(run.out()).toMatch(/first start: initialising the embedded database/);
      expect(token).not.toBe(previous.token);
      expect((await call<{ vnfs: unknown[] }>(token, '/v1.0/vnfs')).body.vnfs).toEqual([]);
      // The old VNF's namespace went before its data did.
      expect((await hostView(previous.vnf.vimId)).size).toBe(0);
      vnf = await createVnf(run, token);
      expect([...(await poolNamespaces()).values()]).toEqual([vnf.ip]);
      await stop(run);
    }
    last = vnf;
  }, 1_500_000);

  it('after `rm -rf` of the data directory, the next start reclaims what the deleted database left and creates work', async () => {
    // The data the last test left: its VIM, with its VNF still on the host.
    expect(last, 'runs after the --reset test').toBeDefined();
    const { vimId: oldVim, ip: oldIp } = last!;
    expect((await hostView(oldVim)).size).toBe(1);
    rmSync(dataDir, { recursive: true, force: true });

    const { run, token } = await start();
    expect(run.out()).toMatch(
      new RegExp(
        `reclaimed what an earlier database of this installation \\(${dataDir}\\) left on this host: 1 namespace, bridge ${netns.bridge}`,
      ),
    );
    expect((await hostView(oldVim)).size).toBe(0);
    const vnf = await createVnf(run, token);
    // One namespace per address: the new VNF may get the old address, never beside the old namespace.
    expect([...(await poolNamespaces()).values()]).toEqual([vnf.ip]);
    expect(await hostView(oldVim), `the old namespace (it held ${oldIp})`).toEqual(new Map());
    await stop(run);
  }, 900_000);

  it("refuses to start on another data directory's bridge, with one line saying what to do", async () => {
    // The first data directory still has its VNF and its bridge.
    expect((await poolNamespaces()).size).toBe(1);
    const run = startDev([], { VNFM_DATA_DIR: otherDir });
    const exit = await Promise.race([
      run.exited,
      new Promise((r) => setTimeout(r, START_LIMIT_MS)).then(() => undefined),
    ]);
    expect(exit?.code, run.out() + run.err()).toBe(1);
    const lines = run.err().trim().split('\n');
    expect(lines, run.err()).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^vnfm dev: bridge ${netns.bridge} of the dev VIM is not this installation's`),
    );
    expect(lines[0]).toContain('VNFM_NETNS_BRIDGE and VNFM_NETNS_POOL');
    expect(lines[0]).toContain(`VNFM_DATA_DIR=${dataDir} npm run dev -- --reset`);
    expect((await poolNamespaces()).size).toBe(1);
    expect(existsSync(join(otherDir, 'dev.pid'))).toBe(false);
  }, 400_000);
});
