// npm run bench -- <scenario> [options]: starts the real stack as separate
// processes, builds a fleet of VDU hosts in network namespaces, runs the
// scenarios of issue 7, writes bench/results/<date>-<scenario>-<key>.json and
// regenerates BENCHMARKS.md. See `npm run bench -- help`.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanupAll } from './cleanup.js';
import { Context } from './context.js';
import { cleanupLeftovers } from './fleet.js';
import { cpuBusy, machine } from './machine.js';
import { writeBenchmarksMd } from './report.js';
import { writeResult, type Result, type ScenarioName } from './results.js';
import { apiScenario } from './scenarios/api.js';
import { apiCpuScenario } from './scenarios/api-cpu.js';
import { PROBE_DEFAULTS, type ScenarioOutput } from './scenarios/common.js';
import { controlScenario } from './scenarios/control.js';
import { detectionScenario } from './scenarios/detection.js';
import { fleetScenario } from './scenarios/fleet.js';
import { probeCostScenario } from './scenarios/probe-cost.js';
import { rollingScenario } from './scenarios/rolling.js';
import { stormScenario } from './scenarios/storm.js';

const HELP = `usage: npm run bench -- <scenario> [options]

scenarios
  fleet        N monitored IPs: time to PROBING, drift, missed rounds, CPU/1k probes, RSS, RPCs, history
  detection    make --faults VDUs unreachable: fault → DEAD event latency vs the floor
  control      delete --faults VNFs and scale out --faults others: last/first echo latency
  api          API p50/p99 at fixed rates, monitors stopped vs running
  api-cpu      API CPU per request (a page of 100, one VNF) on --vnfs N rows, in isolation
  probe-cost   CPU per probe: vnfm's monitor worker vs blackbox_exporter on the same targets
  rolling      --temporal cluster: restart each Temporal service and each vnfm process one at a time
               under N monitors with --faults VDUs cut off: none lost, nothing twice, faults detected
  storm        the manager's path to every VDU down for --blip s: actions taken (target 0), time to
               lift the hold after recovery, latency of --faults real faults during and after the blip
  all          every scenario (full sizes, or tiny with --smoke; storm and rolling are left out of --smoke)
  report       regenerate BENCHMARKS.md from bench/results
  cleanup      remove namespaces and routes a crashed run left behind

options
  --vnfs N          monitored VNFs (one VDU, one IP each)
  --targets N       probe-cost: targets (default 1000)
  --period S        probe period in seconds (default 10)
  --window S        measurement window (default: 30 periods for fleet, 12 for probe-cost)
  --timeout S       ping timeout of the monitoring policy (default 1; 0.5 with --smoke)
  --faults K        detection/control: VDUs made unreachable / VNFs deleted and scaled (default 20)
  --concurrency C   concurrent POST /v1.0/vnfs (default 32)
  --engine E        ping engine of the monitor worker: batch (default) or ping
  --heartbeat S     VNFM_MONITOR_HEARTBEAT_TIMEOUT of the monitor worker (default: its own, 45)
  --cache N         VNFM_MONITOR_MAX_CACHED_WORKFLOWS of the monitor worker (default: its own, 500)
  --blip S          storm: seconds the path to the fleet is down (default 60; 20 with --smoke)
  --rates R,R       api: request rates per second (default 50,200)
  --duration S      api: seconds per rate (default 20)
  --requests N      api-cpu: sequential requests per endpoint (default 500)
  --smoke           tiny and fast (CI): 10 VNFs, period 1 s; fails on errors, not on targets
  --shared          scenarios of "all" share one stack and fleet (default with --smoke)
  --profile         node --cpu-prof for the monitor worker (profile in the run directory)
  --temporal T      dev (default): the Temporal dev server; cluster: a local Temporal cluster (the real
                    server, four services on PostgreSQL; npm run temporal:cluster), charged to Temporal
                    with its PostgreSQL backends
  --shards N        --temporal cluster: history shards (default 4)
  --pragmas P,P     SQLite pragmas of the Temporal dev server's file (default journal_mode=wal,synchronous=normal; none)
  --keep            keep the run directory and the database
  --out DIR         write results there instead of bench/results (and leave BENCHMARKS.md alone)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    vnfs: { type: 'string' },
    targets: { type: 'string' },
    period: { type: 'string' },
    window: { type: 'string' },
    faults: { type: 'string' },
    timeout: { type: 'string' },
    concurrency: { type: 'string' },
    engine: { type: 'string' },
    heartbeat: { type: 'string' },
    cache: { type: 'string' },
    rates: { type: 'string' },
    blip: { type: 'string' },
    duration: { type: 'string' },
    requests: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    shared: { type: 'boolean' },
    profile: { type: 'boolean', default: false },
    pragmas: { type: 'string', default: 'journal_mode=wal,synchronous=normal' },
    temporal: { type: 'string', default: 'dev' },
    shards: { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const num = (v: string | undefined, name: string, dflt: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
};

const SCENARIOS: ScenarioName[] = ['fleet', 'detection', 'control', 'api', 'probe-cost', 'storm'];

/** One scenario run, with what it needs and the command that reproduces it alone. */
interface Job {
  scenario: ScenarioName;
  n: number;
  fleetIps: number;
  key: string;
  command: string;
  params: Record<string, unknown>;
  run(ctx: Context, shared: boolean): Promise<ScenarioOutput>;
}

const cluster = values.temporal === 'cluster';
/** Result keys of cluster runs carry it, so they sit beside the dev server's. */
const tkey = (key: string) =>
  `${key}${values.cache ? `-cache${Math.round(num(values.cache, 'cache', 500))}` : ''}${cluster ? '-cluster' : ''}`;

function jobs(name: string): Job[] {
  const smoke = values.smoke;
  const period = num(values.period, 'period', smoke ? 1 : 10);
  const faults = Math.round(num(values.faults, 'faults', smoke ? 2 : 20));
  const concurrency = Math.round(num(values.concurrency, 'concurrency', 32));
  const engine = values.engine ?? 'batch';
  if (engine !== 'batch' && engine !== 'ping') throw new Error('--engine must be batch or ping');
  const rates = (values.rates ?? (smoke ? '20' : '50,200')).split(',').map((r) => num(r, 'rates', 1));
  const duration = num(values.duration, 'duration', smoke ? 1 : 20);
  PROBE_DEFAULTS.timeout = num(values.timeout, 'timeout', smoke ? 0.5 : 1);
  if (values.temporal !== 'dev' && values.temporal !== 'cluster')
    throw new Error('--temporal must be dev or cluster');
  const flags = (extra: string) =>
    `npm run bench -- ${extra}${cluster ? ` --temporal cluster${values.shards ? ` --shards ${values.shards}` : ''}` : ''}${values.period ? ` --period ${period}` : smoke ? ` --period ${period}` : ''}` +
    `${values.smoke ? ' --smoke' : ''}${engine !== 'batch' ? ` --engine ${engine}` : ''}` +
    `${values.heartbeat ? ` --heartbeat ${values.heartbeat}` : ''}${values.cache ? ` --cache ${values.cache}` : ''}` +
    `${values.timeout ? ` --timeout ${values.timeout}` : ''}` +
    `${values.concurrency ? ` --concurrency ${concurrency}` : ''}`;

  const fleet = (n: number): Job => {
    const windowS = num(values.window, 'window', (smoke ? 3 : 30) * period);
    return {
      scenario: 'fleet',
      n,
      fleetIps: n,
      key: tkey(`n${n}`),
      command: flags(`fleet --vnfs ${n}${values.window ? ` --window ${windowS}` : ''}`),
      params: { vnfs: n, period, windowS, concurrency, engine },
      run: (ctx, shared) =>
        fleetScenario(ctx, {
          vnfs: n,
          period,
          windowS,
          concurrency,
          shared,
          // --smoke has no targets to meet: no wait for the loop checks.
          presenceTimeoutS: smoke ? 0 : num(values.heartbeat, 'heartbeat', 45),
        }),
    };
  };
  const detection = (n: number): Job => ({
    scenario: 'detection',
    n,
    fleetIps: n,
    key: tkey(`n${n}`),
    command: flags(`detection --vnfs ${n}${values.faults ? ` --faults ${faults}` : ''}`),
    params: { vnfs: n, period, faults, concurrency, engine },
    run: (ctx, shared) => detectionScenario(ctx, { vnfs: n, period, faults, concurrency, shared }),
  });
  const control = (n: number): Job => ({
    scenario: 'control',
    n,
    fleetIps: n + faults,
    key: tkey(`n${n}`),
    command: flags(`control --vnfs ${n}${values.faults ? ` --faults ${faults}` : ''}`),
    params: { vnfs: n, period, faults, concurrency, engine },
    run: (ctx, shared) => controlScenario(ctx, { vnfs: n, period, faults, concurrency, shared }),
  });
  const api = (n: number): Job => ({
    scenario: 'api',
    n,
    fleetIps: n,
    key: tkey(`n${n}`),
    command: flags(
      `api --vnfs ${n}${values.rates ? ` --rates ${rates.join(',')}` : ''}${values.duration ? ` --duration ${duration}` : ''}`,
    ),
    params: { vnfs: n, period, rates, duration, concurrency, engine },
    run: (ctx, shared) =>
      apiScenario(ctx, { vnfs: n, period, rates, durationS: duration, concurrency, shared }),
  });
  const probeCost = (t: number): Job => {
    const windowS = num(values.window, 'window', (smoke ? 3 : 12) * period);
    return {
      scenario: 'probe-cost',
      n: t,
      fleetIps: t,
      key: tkey(`t${t}-${engine}`),
      command: flags(`probe-cost --targets ${t}${values.window ? ` --window ${windowS}` : ''}`),
      params: { targets: t, period, windowS, concurrency, engine },
      run: (ctx, shared) =>
        probeCostScenario(ctx, { targets: t, period, windowS, concurrency, engine, shared }),
    };
  };

  const rolling = (n: number): Job => ({
    scenario: 'rolling',
    n,
    fleetIps: n,
    key: tkey(`n${n}`),
    command: flags(`rolling --vnfs ${n}${values.faults ? ` --faults ${faults}` : ''}`),
    params: { vnfs: n, period, faults, concurrency, engine },
    run: (ctx, shared) => rollingScenario(ctx, { vnfs: n, period, faults, concurrency, shared }),
  });

  const storm = (n: number): Job => {
    const blipS = num(values.blip, 'blip', smoke ? 20 : 60);
    return {
      scenario: 'storm',
      n,
      fleetIps: n,
      key: tkey(`n${n}`),
      command: flags(
        `storm --vnfs ${n}${values.blip ? ` --blip ${blipS}` : ''}${values.faults ? ` --faults ${faults}` : ''}`,
      ),
      params: { vnfs: n, period, blipS, faults, concurrency, engine },
      run: (ctx, shared) => stormScenario(ctx, { vnfs: n, period, blipS, faults, concurrency, shared }),
    };
  };

  const vnfs = (d: number) => Math.round(num(values.vnfs, 'vnfs', smoke ? 10 : d));
  const targets = Math.round(num(values.targets, 'targets', smoke ? 10 : 1000));
  switch (name) {
    case 'fleet':
      return [fleet(vnfs(1000))];
    case 'detection':
      return [detection(vnfs(100))];
    case 'control':
      return [control(vnfs(5000))];
    case 'api':
      return [api(vnfs(5000))];
    case 'probe-cost':
      return [probeCost(targets)];
    case 'rolling':
      if (!cluster) throw new Error('rolling restarts Temporal services: add --temporal cluster');
      return [rolling(vnfs(1000))];
    case 'storm':
      return [storm(vnfs(5000))];
    case 'all':
      if (smoke || values.vnfs) {
        const n = vnfs(10);
        // Not storm in --smoke: its hold lifts after a 30 s window (CI time); `storm --smoke` runs it alone.
        return [fleet(n), detection(n), control(n), api(n), probeCost(targets), ...(smoke ? [] : [storm(n)])];
      }
      return [
        fleet(1000),
        fleet(5000),
        fleet(10000),
        detection(100),
        detection(5000),
        control(5000),
        api(5000),
        probeCost(1000),
        storm(5000),
      ];
    default:
      throw new Error(`unknown scenario ${JSON.stringify(name)}\n\n${HELP}`);
  }
}

async function runJobs(list: Job[]): Promise<Result[]> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = join(tmpdir(), `vnfm-bench-${stamp}`);
  mkdirSync(base, { recursive: true });
  const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  log(`run directory ${base}`);
  const shared = values.shared ?? values.smoke;
  const engineEnv: Record<string, string> = { VNFM_PING_ENGINE: values.engine ?? 'batch' };
  if (values.heartbeat)
    engineEnv.VNFM_MONITOR_HEARTBEAT_TIMEOUT = String(num(values.heartbeat, 'heartbeat', 45));
  if (values.cache)
    engineEnv.VNFM_MONITOR_MAX_CACHED_WORKFLOWS = String(Math.round(num(values.cache, 'cache', 500)));
  const results: Result[] = [];
  let sharedCtx: Context | undefined;
  const open = async (dir: string, fleetIps: number, monitor = true) =>
    Context.open({
      dir,
      log,
      fleetSize: fleetIps,
      monitor,
      monitorEnv: engineEnv,
      cpuProfDir: values.profile ? join(dir, 'cpu-prof') : undefined,
      keepDb: values.keep,
      sqlitePragmas: values.pragmas === 'none' ? [] : values.pragmas.split(','),
      temporal: cluster ? { historyShards: Math.round(num(values.shards, 'shards', 4)) } : undefined,
    });
  try {
    if (shared)
      sharedCtx = await open(
        join(base, 'shared'),
        list.reduce((a, j) => a + j.fleetIps, 0),
      );
    for (const job of list) {
      log(`== ${job.scenario} (${job.key}): ${job.command}`);
      const busyBefore = await cpuBusy(values.smoke ? 500 : 3000);
      const startedAt = new Date().toISOString();
      const m = machine();
      if (busyBefore > 0.3)
        log(
          `note: the machine is ${Math.round(busyBefore * 100)} % busy before the run (load ${m.load.join(' ')})`,
        );
      const ctx =
        sharedCtx ??
        (await open(join(base, `${job.scenario}-${job.key}`), job.fleetIps, job.scenario !== 'api'));
      let out: ScenarioOutput;
      try {
        out = await job.run(ctx, shared ?? false);
      } finally {
        if (!sharedCtx) await ctx.close();
      }
      const result: Result = {
        scenario: job.scenario,
        key: job.key,
        command: job.command,
        params: {
          ...job.params,
          heartbeatTimeoutS: Number(values.heartbeat ?? 45),
          ...(values.cache ? { monitorCachedWorkflows: Math.round(num(values.cache, 'cache', 500)) } : {}),
          temporalSqlitePragmas: cluster ? undefined : values.pragmas,
          temporal: values.temporal,
          ...(cluster ? { historyShards: num(values.shards, 'shards', 4) } : {}),
        },
        startedAt,
        finishedAt: new Date().toISOString(),
        machine: { ...m, load: machine().load },
        busyBefore: Math.round(busyBefore * 1000) / 1000,
        smoke: values.smoke,
        rows: out.rows,
        figures: out.figures,
        notes: out.notes,
      };
      for (const r of out.rows) {
        const mark = r.met === undefined ? '' : r.met ? '  [met]' : '  [MISSED]';
        log(`  ${r.metric}: ${r.value}${r.target ? ` (target ${r.target})` : ''}${mark}`);
      }
      for (const n of out.notes) log(`  note: ${n}`);
      const file = writeResult(result, values.out ?? (values.smoke ? join(base, 'results') : undefined));
      log(`  → ${file}`);
      results.push(result);
    }
  } finally {
    await sharedCtx?.close();
  }
  return results;
}

/** api-cpu needs no stack, namespaces or root: only PostgreSQL and the API in this process. */
async function apiCpu(): Promise<number> {
  const n = Math.round(num(values.vnfs, 'vnfs', values.smoke ? 200 : 5000));
  const requests = Math.round(num(values.requests, 'requests', values.smoke ? 50 : 500));
  const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  const startedAt = new Date().toISOString();
  const busyBefore = await cpuBusy(values.smoke ? 500 : 3000);
  const m = machine();
  const out = await apiCpuScenario({ vnfs: n, requests, log });
  for (const r of out.rows) {
    const mark = r.met === undefined ? '' : r.met ? '  [met]' : '  [MISSED]';
    log(`  ${r.metric}: ${r.value}${r.target ? ` (target ${r.target})` : ''}${mark}`);
  }
  const file = writeResult(
    {
      scenario: 'api-cpu' as ScenarioName,
      key: `n${n}`,
      command: `npm run bench -- api-cpu --vnfs ${n}${values.requests ? ` --requests ${requests}` : ''}`,
      params: { vnfs: n, requests },
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { ...m, load: machine().load },
      busyBefore: Math.round(busyBefore * 1000) / 1000,
      smoke: values.smoke,
      rows: out.rows,
      figures: out.figures,
      notes: out.notes,
    },
    values.out ?? (values.smoke ? join(tmpdir(), 'vnfm-bench-api-cpu') : undefined),
  );
  log(`  → ${file}`);
  return 0;
}

async function main(): Promise<number> {
  const name = positionals[0] ?? 'help';
  if (values.help || name === 'help') {
    console.log(HELP);
    return 0;
  }
  if (name === 'report') {
    console.log(`wrote ${await writeBenchmarksMd()}`);
    return 0;
  }
  if (name === 'api-cpu') return apiCpu();
  if (process.getuid?.() !== 0) {
    console.error('bench: needs root (network namespaces, routes, tcpdump); run it as root');
    return 2;
  }
  if (name === 'cleanup') {
    const removed = await cleanupLeftovers();
    console.log(removed.length ? `removed: ${removed.join(', ')}` : 'nothing to clean up');
    return 0;
  }
  const list = jobs(name);
  await runJobs(list);
  if (!values.smoke && !values.out) console.log(`wrote ${await writeBenchmarksMd()}`);
  return 0;
}

main().then(
  async (code) => {
    await cleanupAll();
    process.exit(code);
  },
  async (err: unknown) => {
    console.error(`bench: ${(err as Error).stack ?? err}`);
    await cleanupAll();
    process.exit(1);
  },
);

export { SCENARIOS };
