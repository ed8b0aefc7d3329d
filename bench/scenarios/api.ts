// Scenario 4, API under monitoring load: N VNFs exist; the API's p50/p99 at
// fixed request rates (autocannon) for GET /v1.0/vnfs (a page of 100),
// GET /v1.0/vnfs/{id} and POST /v1.0/vnfds, first with the monitor worker
// stopped (the N monitors wait, nothing probes: the idle figure on the same
// data) and then with all N monitors probing.
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { Context } from '../context.js';
import { busySince } from '../machine.js';
import { cpuSeconds, runQueueSeconds } from '../proc.js';
import { bucketDelta, bucketQuantile, buckets, scrape, sum, type Sample } from '../prom.js';
import { fmt, type Row } from '../results.js';
import { heartbeatsPerS, measureWindows, rpcTotal } from '../windows.js';
import { benchVnfd } from '../vnfd.js';
import { oneVduFleet, probeParams, sleep, waitMonitors, type ScenarioOutput } from './common.js';

export interface ApiArgs {
  vnfs: number;
  period: number;
  rates: number[];
  durationS: number;
  concurrency: number;
  shared: boolean;
}

interface Latency {
  endpoint: string;
  rate: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** The API process, per request: CPU, and time its main thread was runnable but had no CPU. */
  apiCpuMs: number;
  apiWaitMs: number;
  /** All CPUs' busy fraction over the run, 0..1. */
  machineBusy: number;
  /**
   * Where a slow request spent its time. The API's own request-duration
   * histogram (middleware in → response finished: handler, database, write)
   * gives its p99 as a bucket bound; the API's largest event-loop delay over
   * the run (GC or a long task stalls every request in flight, and requests
   * not yet read are not in the histogram); the load generator's own largest
   * event-loop delay (it runs in this process, on the same cores).
   */
  apiHandlerP99Ms: number;
  /** The same requests' time in PostgreSQL queries (the API's own histogram, bucket bound). */
  apiDbP99Ms: number;
  /** The API's longest garbage-collection pause over the run (bucket bound). */
  apiGcMaxMs: number;
  apiLoopMaxMs: number;
  loadGenLoopMaxMs: number;
}

const REQUEST_DURATION = 'vnfm_api_request_duration_seconds';
const DB_DURATION = 'vnfm_api_db_duration_seconds';
const GC_DURATION = 'nodejs_gc_duration_seconds';
/** A histogram quantile is a bucket's upper bound: "≤ x ms". */
const bound = (ms: number) => (Number.isNaN(ms) ? '—' : ms === Infinity ? '> 30,000' : `≤ ${ms.toFixed(0)}`);

const tail = (l: Latency) =>
  `${bound(l.apiHandlerP99Ms)} / ${bound(l.apiDbP99Ms)} / ${bound(l.apiGcMaxMs)} / ${fmt(l.apiLoopMaxMs, 0)} / ${fmt(l.loadGenLoopMaxMs, 0)} ms`;

const GET_P99_MS = 50;
const HEALTHY_S = 60;
/** Issue 15's target for a healthy fleet's cost to Temporal: RPCs per second at 10,000 VNFs. */
const RPC_PER_10K = 5;
/** A healthy loop's backstop heartbeat: a third of VNFM_MONITOR_LOOP_HEARTBEAT_TIMEOUT's default 10,800 s. */
const LOOP_BEAT_S = 3600;
const GET_RATIO = 1.5;

async function load(
  ctx: Context,
  endpoint: string,
  route: string,
  rate: number,
  durationS: number,
  request: () => { method: 'GET' | 'POST'; path: string; body?: string },
): Promise<Latency> {
  const first = request();
  const pid = ctx.stack.pid('api');
  // Nothing else scrapes the API here, so this scrape also starts the API's
  // event-loop delay window (prom-client resets it on every collect).
  const metrics = () => scrape(`${ctx.stack.apiUrl}/metrics`).catch((): Sample[] => []);
  const match = { route, method: first.method };
  const m0 = await metrics();
  const handled0 = buckets(m0, REQUEST_DURATION, match);
  const db0 = buckets(m0, DB_DURATION, match);
  const gc0 = buckets(m0, GC_DURATION);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = pid ? cpuSeconds(pid) : undefined;
  const wait0 = pid ? runQueueSeconds(pid) : undefined;
  const busy = busySince();
  const result = await autocannon({
    url: ctx.stack.apiUrl,
    connections: 8,
    overallRate: rate,
    duration: durationS,
    headers: { 'X-Auth-Token': ctx.stack.token, 'Content-Type': 'application/json' },
    requests: [
      {
        method: first.method,
        path: first.path,
        setupRequest: (req) => {
          const r = request();
          return { ...req, method: r.method, path: r.path, ...(r.body ? { body: r.body } : {}) };
        },
      },
    ],
  });
  const machineBusy = busy();
  const cpu1 = pid ? cpuSeconds(pid) : undefined;
  const wait1 = pid ? runQueueSeconds(pid) : undefined;
  loop.disable();
  const after = await metrics();
  const handlerP99 = bucketQuantile(bucketDelta(buckets(after, REQUEST_DURATION, match), handled0), 0.99);
  const dbP99 = bucketQuantile(bucketDelta(buckets(after, DB_DURATION, match), db0), 0.99);
  // q = 1: the bucket holding the longest pause.
  const gcMax = bucketQuantile(bucketDelta(buckets(after, GC_DURATION), gc0), 1);
  const ms = (s: number | undefined) => (s === undefined ? NaN : s * 1000);
  const n = Math.max(1, result.requests.total);
  const perRequest = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? NaN : ((b - a) * 1000) / n;
  return {
    endpoint,
    rate,
    apiCpuMs: perRequest(cpu0, cpu1),
    apiWaitMs: perRequest(wait0, wait1),
    machineBusy,
    apiHandlerP99Ms: ms(handlerP99),
    apiDbP99Ms: ms(dbP99),
    apiGcMaxMs: ms(gcMax),
    apiLoopMaxMs: after.length ? sum(after, 'nodejs_eventloop_lag_max_seconds') * 1000 : NaN,
    loadGenLoopMaxMs: loop.max / 1e6,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function measure(ctx: Context, a: ApiArgs, ids: string[], phase: string): Promise<Latency[]> {
  const out: Latency[] = [];
  const template = benchVnfd(probeParams({ period: a.period }));
  const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
  for (const rate of a.rates) {
    ctx.log(`  ${phase}: ${rate} req/s for ${a.durationS} s per endpoint`);
    out.push(
      await load(ctx, 'GET /v1.0/vnfs?limit=100', '/v1.0/vnfs', rate, a.durationS, () => ({
        method: 'GET',
        path: '/v1.0/vnfs?limit=100',
      })),
    );
    out.push(
      await load(ctx, 'GET /v1.0/vnfs/{id}', '/v1.0/vnfs/{vnf_id}', rate, a.durationS, () => ({
        method: 'GET',
        path: `/v1.0/vnfs/${pick()}`,
      })),
    );
    out.push(
      await load(ctx, 'POST /v1.0/vnfds', '/v1.0/vnfds', rate, a.durationS, () => ({
        method: 'POST',
        path: '/v1.0/vnfds',
        body: JSON.stringify({
          vnfd: { name: `bench-load-${randomUUID()}`, attributes: { vnfd: template } },
        }),
      })),
    );
  }
  return out;
}

export async function apiScenario(ctx: Context, a: ApiArgs): Promise<ScenarioOutput> {
  const { items } = await oneVduFleet(ctx, a);
  // Idle first: no monitor worker, so the N monitors wait and nothing probes or heartbeats.
  if (ctx.stack.pid('monitor')) await ctx.stack.stopService('monitor');
  ctx.log(`creating ${a.vnfs} VNFs with the monitor worker stopped`);
  const created = await ctx.createVnfs(items, { concurrency: a.concurrency, prefix: 'api' });
  try {
    await sleep(2000);
    const idle = await measure(ctx, a, created.ids, 'idle (monitors stopped)');
    const started = Date.now();
    await ctx.stack.startService('monitor');
    const up = await waitMonitors(ctx, { ...created, startedAt: started });
    await sleep(2 * a.period * 1000);
    const loaded = await measure(ctx, a, created.ids, `${a.vnfs} monitors probing`);
    // What the healthy fleet costs Temporal, long after every monitor's one-off
    // loop check, with no API load (issue 15, item 3).
    ctx.log(`healthy window: ${HEALTHY_S} s`);
    const healthy = await measureWindows(ctx, HEALTHY_S, 1);
    // One window, not a median of short parts: long polls return once a minute.
    const measured = rpcTotal(healthy.total.rpcPerS);
    const beats = heartbeatsPerS(healthy.total.rpcPerS);
    const temporalPct = ((healthy.total.cpu.temporal ?? 0) / healthy.total.seconds) * 100;
    // Each loop's backstop heartbeat comes due once per LOOP_BEAT_S, the first that long after
    // the loop started (later than this window): added, not measured. The rest (long polls, one
    // presence beat per worker, the conductor's listings) does not grow with N.
    const loopBeats = (n: number) => n / LOOP_BEAT_S;
    const at10k = measured + loopBeats(10_000);

    const rows: Row[] = [
      {
        metric: 'monitor worker start → all N monitors PROBING',
        value: fmt((up.probingAt - started) / 1000, 1, 's'),
      },
    ];
    rows.push({
      metric: `Temporal RPCs per second while healthy, ${a.vnfs.toLocaleString('en-US')} monitors, over ${HEALTHY_S} s (of which activity heartbeats); + the loops' backstop beats (N / ${LOOP_BEAT_S.toLocaleString('en-US')} a second, not yet due in the window); at 10,000 VNFs; Temporal CPU`,
      value:
        `${fmt(measured, 1)} (${fmt(beats, 1)}) + ${fmt(loopBeats(a.vnfs), 1)} = ${fmt(measured + loopBeats(a.vnfs), 1)}; ` +
        `10,000: ${fmt(measured, 1)} + ${fmt(loopBeats(10_000), 1)} = ${fmt(at10k, 1)}; ${fmt(temporalPct, 1, '%')} of a core`,
      target: `≤ ${RPC_PER_10K} at 10,000 VNFs`,
      met: at10k <= RPC_PER_10K,
    });
    for (const l of loaded) {
      const i = idle.find((x) => x.endpoint === l.endpoint && x.rate === l.rate)!;
      const isGet = l.endpoint.startsWith('GET');
      const failed = l.errors + l.non2xx + i.errors + i.non2xx;
      rows.push({
        metric: `${l.endpoint} at ${l.rate}/s: p50 / p99, idle → ${a.vnfs.toLocaleString('en-US')} monitors`,
        value:
          `${fmt(i.p50, 0)} / ${fmt(i.p99, 0)} ms → ${fmt(l.p50, 0)} / ${fmt(l.p99, 0)} ms` +
          (isGet ? ` (${(l.p99 / Math.max(1, i.p99)).toFixed(2)}×)` : '') +
          (failed ? `, ${failed} failed` : ''),
        ...(isGet
          ? {
              target: `p99 ≤ ${GET_P99_MS} ms and ≤ ${GET_RATIO}× idle`,
              met: !failed && l.p99 <= GET_P99_MS && l.p99 <= GET_RATIO * Math.max(1, i.p99),
            }
          : {}),
      });
      // Where a GET's time went: the API's own CPU, or waiting for a CPU the machine did not have.
      if (isGet)
        rows.push({
          metric: `${l.endpoint} at ${l.rate}/s, API per request: CPU / waiting for a CPU, all CPUs busy; idle → ${a.vnfs.toLocaleString('en-US')} monitors`,
          value: `${fmt(i.apiCpuMs, 1)} / ${fmt(i.apiWaitMs, 1)} ms, ${Math.round(i.machineBusy * 100)} % → ${fmt(l.apiCpuMs, 1)} / ${fmt(l.apiWaitMs, 1)} ms, ${Math.round(l.machineBusy * 100)} %`,
        });
      // Where a GET's tail went: inside the API's handling, in a stalled API event loop, or in the load generator.
      if (isGet)
        rows.push({
          metric: `${l.endpoint} at ${l.rate}/s, tail: API handler p99 / of it in PostgreSQL, p99 / API's longest GC pause (histogram bounds) / API event loop's longest stall / load generator's longest stall; idle → ${a.vnfs.toLocaleString('en-US')} monitors`,
          value: `${tail(i)} → ${tail(l)}`,
        });
    }
    return {
      rows,
      notes: [],
      figures: {
        createRate: created.bulk.rate,
        idle,
        loaded,
        probingAfterWorkerStartS: (up.probingAt - started) / 1000,
        healthy: {
          seconds: healthy.total.seconds,
          rpcPerS: healthy.total.rpcPerS,
          temporalPct,
          loopBeatsPerS: loopBeats(a.vnfs),
          at10kPerS: at10k,
        },
      },
    };
  } finally {
    if (a.shared) await ctx.deleteVnfs(created.ids);
  }
}
