// Snapshots of the monitor worker's own /metrics: probes run, round drift
// histogram, missed rounds, loops and targets active. Used beside the
// capture (the host-side truth), never instead of it.
import { bucketDelta, bucketQuantile, buckets, scrape, sum } from './prom.js';

export interface MonitorSnapshot {
  at: number;
  probes: number;
  probesFailed: number;
  missed: number;
  loops: number;
  targets: number;
  drift: Map<number, number>;
}

export async function monitorSnapshot(url: string): Promise<MonitorSnapshot> {
  const s = await scrape(url);
  return {
    at: Date.now(),
    probes: sum(s, 'vnfm_probes_total'),
    probesFailed: sum(s, 'vnfm_probes_total', { result: 'failed' }),
    missed: sum(s, 'vnfm_probe_missed_rounds_total'),
    loops: sum(s, 'vnfm_probe_loops_active'),
    targets: sum(s, 'vnfm_probe_targets_active'),
    drift: buckets(s, 'vnfm_probe_round_drift_seconds'),
  };
}

export interface MonitorWindow {
  seconds: number;
  probes: number;
  probesFailed: number;
  missed: number;
  /** Upper bound of the bucket holding the p99 of round drift, seconds. */
  driftP99BoundS?: number;
  driftP50BoundS?: number;
}

export function monitorWindow(a: MonitorSnapshot, b: MonitorSnapshot): MonitorWindow {
  const d = bucketDelta(b.drift, a.drift);
  return {
    seconds: (b.at - a.at) / 1000,
    probes: b.probes - a.probes,
    probesFailed: b.probesFailed - a.probesFailed,
    missed: b.missed - a.missed,
    driftP99BoundS: bucketQuantile(d, 0.99),
    driftP50BoundS: bucketQuantile(d, 0.5),
  };
}

/** Waits until the worker probes `n` targets; returns when (ms epoch) or undefined on timeout. */
export async function waitTargets(url: string, n: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await monitorSnapshot(url).catch(() => undefined);
    if (s && s.targets >= n) return Date.now();
    await new Promise((r) => setTimeout(r, 1000));
  }
  return undefined;
}
