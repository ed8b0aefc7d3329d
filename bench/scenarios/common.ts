// Steps every scenario shares: bring a monitored fleet up through the API
// and wait until the monitors probe, and the figures of that bring-up.
import type { Context, CreatedFleet } from '../context.js';
import { waitTargets } from '../monitor-metrics.js';
import { rates, temporalRpcs } from '../observe.js';
import { monitorWorkflowId } from '../../src/monitoring/contract.js';
import { percentile } from '../stats.js';
import { fmt, type Row } from '../results.js';
import type { ProbeParams } from '../vnfd.js';

export interface ScenarioOutput {
  rows: Row[];
  figures: Record<string, unknown>;
  notes: string[];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BringUp extends CreatedFleet {
  /** CPU seconds per process from the first POST until every monitor probes. */
  cpu?: Record<string, number>;
  /** Temporal frontend RPCs per second by operation over the same span. */
  rpcs?: Record<string, number>;
  /** ms epoch: the monitor count of PROBING reached N (visibility), and the worker reported N targets. */
  probingAt: number;
  targetsAt: number;
}

/** Creates one monitored VNF per IP list through the API, then waits for N PROBING monitors and N probed targets. */
export async function bringUp(
  ctx: Context,
  opts: { items: { vnfdId: string; ips: string[] }[]; concurrency: number; prefix: string },
): Promise<BringUp> {
  const n = opts.items.length;
  ctx.log(`creating ${n} VNFs through the API (concurrency ${opts.concurrency})`);
  const cpuEnd = await ctx.cpuWindow();
  const rpc0 = await temporalRpcs(ctx.stack.temporalMetricsUrl);
  const created = await ctx.createVnfs(opts.items, opts);
  const up = await waitMonitors(ctx, created);
  up.cpu = await cpuEnd();
  up.rpcs = rates(
    await temporalRpcs(ctx.stack.temporalMetricsUrl),
    rpc0,
    (Date.now() - created.startedAt) / 1000,
  );
  ctx.log(`  CPU s during bring-up: ${JSON.stringify(up.cpu)}`);
  return up;
}

/** Waits for N PROBING monitors (visibility) and N targets at the worker, N = created.ids.length. */
export async function waitMonitors(ctx: Context, created: CreatedFleet): Promise<BringUp> {
  const n = created.ids.length;
  const timeout = 20 * 60_000;
  const probingAt = await ctx.obs.waitProbing(n, timeout, (k) => ctx.log(`  ${k}/${n} monitors PROBING`));
  if (!probingAt) throw new Error(`not every monitor reached PROBING within ${timeout / 1000} s`);
  const targetsAt = await waitTargets(ctx.stack.monitorMetricsUrl, n, timeout);
  if (!targetsAt)
    throw new Error(`the monitor worker did not report ${n} targets within ${timeout / 1000} s`);
  ctx.log(
    `all ${n} monitors PROBING ${((probingAt - created.startedAt) / 1000).toFixed(1)} s after the start`,
  );
  return { ...created, probingAt, targetsAt };
}

export function bringUpRows(b: BringUp): Row[] {
  const s = (t: number) => fmt((t - b.startedAt) / 1000, 1, 's');
  return [
    {
      metric: 'VNF create rate through the API (POST /v1.0/vnfs)',
      value: `${fmt(b.bulk.rate, 1)} VNF/s (p50 ${fmt(percentile(b.bulk.latencyMs, 50), 0)} ms, p99 ${fmt(percentile(b.bulk.latencyMs, 99), 0)} ms)`,
    },
    { metric: 'time until all VNFs ACTIVE', value: s(b.activeAt) },
    { metric: 'time until all monitors PROBING (visibility)', value: s(b.probingAt) },
    {
      metric: 'CPU per VNF brought up (create → PROBING), ms',
      value: b.cpu
        ? Object.entries(b.cpu)
            .map(([k, v]) => `${k} ${fmt((v / b.ids.length) * 1000, 0)}`)
            .join(', ')
        : 'n/a',
    },
  ];
}

export function bringUpFigures(b: BringUp): Record<string, unknown> {
  return {
    createRate: b.bulk.rate,
    createSeconds: b.bulk.seconds,
    createLatencyMs: { p50: percentile(b.bulk.latencyMs, 50), p99: percentile(b.bulk.latencyMs, 99) },
    activeAfterS: (b.activeAt - b.startedAt) / 1000,
    probingAfterS: (b.probingAt - b.startedAt) / 1000,
    targetsAfterS: (b.targetsAt - b.startedAt) / 1000,
    bringUpCpuSeconds: b.cpu,
    bringUpTemporalRpcPerS: b.rpcs,
  };
}

export const monitorIds = (vnfIds: string[]) => vnfIds.map(monitorWorkflowId);

/** The policy every scenario starts from; main.ts sets `timeout` (--timeout; 0.5 s in smoke runs, whose period is 1 s). */
export const PROBE_DEFAULTS: Omit<ProbeParams, 'period'> = {
  count: 1,
  interval: 1,
  timeout: 1,
  failureThreshold: 3,
  monitoringDelay: 0,
  action: 'log',
};

export function probeParams(p: Partial<ProbeParams> & { period: number }): ProbeParams {
  return { ...PROBE_DEFAULTS, ...p };
}

/** A fleet of one-VDU VNFs under one policy: its VNFD, an address each, and the detection floor (period × threshold + timeout). */
export async function oneVduFleet(
  ctx: Context,
  a: { vnfs: number; period: number },
  action: ProbeParams['action'] = PROBE_DEFAULTS.action,
) {
  const params = probeParams({ period: a.period, action });
  const ips = ctx.takeIps(a.vnfs);
  const vnfdId = await ctx.vnfd(params);
  return {
    params,
    ips,
    vnfdId,
    periodMs: a.period * 1000,
    floorMs: (a.period * params.failureThreshold + params.timeout) * 1000,
    /** bringUp's items: one VNF per address. */
    items: ips.map((ip) => ({ vnfdId, ips: [ip] })),
  };
}

/** A random sample of `k` items (Fisher–Yates on a copy). */
export function sample<T>(items: T[], k: number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, Math.min(k, a.length));
}
