// A measurement window cut into k equal sub-windows: CPU per process, probes
// run by the monitor worker and Temporal RPCs in each, so a figure can be
// given as the median of k measurements next to the whole window's total.
import type { Context } from './context.js';
import { monitorSnapshot, monitorWindow, type MonitorWindow } from './monitor-metrics.js';
import { rates, temporalRpcs } from './observe.js';
import { median } from './stats.js';

export interface SubWindow {
  seconds: number;
  cpu: Record<string, number>;
  monitor: MonitorWindow;
  rpcPerS: Record<string, number>;
  /** Growth of the caller's own counter (e.g. blackbox probes). */
  counter: number;
}

export interface Windows {
  from: number;
  to: number;
  parts: SubWindow[];
  /** The whole window. */
  total: SubWindow;
}

export async function measureWindows(
  ctx: Context,
  seconds: number,
  k: number,
  extraPids: Record<string, number> = {},
  counter: () => number = () => 0,
): Promise<Windows> {
  const parts: SubWindow[] = [];
  const url = ctx.stack.monitorMetricsUrl;
  const m0 = await monitorSnapshot(url);
  const r0 = await temporalRpcs(ctx.stack.temporalMetricsUrl);
  const totalCpu = await ctx.cpuWindow(extraPids);
  const c0 = counter();
  const from = Date.now();
  let c = c0;
  let m = m0;
  let r = r0;
  let t = from;
  for (let i = 1; i <= k; i++) {
    const cpuEnd = await ctx.cpuWindow(extraPids);
    const until = from + (seconds * 1000 * i) / k;
    await new Promise((res) => setTimeout(res, Math.max(0, until - Date.now())));
    const cpu = await cpuEnd();
    const m2 = await monitorSnapshot(url);
    const r2 = await temporalRpcs(ctx.stack.temporalMetricsUrl);
    const now = Date.now();
    const c2 = counter();
    parts.push({
      seconds: (now - t) / 1000,
      cpu,
      monitor: monitorWindow(m, m2),
      rpcPerS: rates(r2, r, (now - t) / 1000),
      counter: c2 - c,
    });
    c = c2;
    m = m2;
    r = r2;
    t = now;
  }
  const to = Date.now();
  const total: SubWindow = {
    seconds: (to - from) / 1000,
    cpu: await totalCpu(),
    monitor: monitorWindow(m0, m),
    rpcPerS: rates(r, r0, (to - from) / 1000),
    counter: c - c0,
  };
  return { from, to, parts, total };
}

/** Median, min and max of a per-sub-window figure. */
export function spread(
  parts: SubWindow[],
  f: (p: SubWindow) => number | undefined,
): { median?: number; min?: number; max?: number } {
  const v = parts.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v) } : {};
}

export const heartbeatsPerS = (rpc: Record<string, number>) =>
  (rpc.RecordActivityTaskHeartbeat ?? 0) + (rpc.RecordActivityTaskHeartbeatById ?? 0);

export const rpcTotal = (rpc: Record<string, number>) => Object.values(rpc).reduce((a, b) => a + b, 0);
