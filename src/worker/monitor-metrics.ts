// Prometheus metrics of the monitor worker: probes, failures, latency, drift
// of rounds against their slots, and active loops.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LoopObserver } from '../activities/probe-loop.js';

export function createMonitorMetrics(activeLoops: () => number, activeTargets: () => number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vnfm_monitor_' });
  const probes = new Counter({
    name: 'vnfm_probes_total',
    help: 'Probe rounds run, by driver and result (ok, failed, or fault: the worker could not run the round).',
    labelNames: ['driver', 'result'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'vnfm_probe_duration_seconds',
    help: 'Duration of a probe round.',
    labelNames: ['driver'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const drift = new Histogram({
    name: 'vnfm_probe_round_drift_seconds',
    help: 'How late a probe round started against its slot.',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [registry],
  });
  const missed = new Counter({
    name: 'vnfm_probe_missed_rounds_total',
    help: 'Probe rounds skipped because the previous round overran its slot.',
    registers: [registry],
  });
  new Gauge({
    name: 'vnfm_probe_loops_active',
    help: 'Probe loops running in this worker.',
    registers: [registry],
    collect() {
      this.set(activeLoops());
    },
  });
  new Gauge({
    name: 'vnfm_probe_targets_active',
    help: 'Management IPs probed by this worker.',
    registers: [registry],
    collect() {
      this.set(activeTargets());
    },
  });
  const observer: LoopObserver = {
    round(target, result, durationMs, driftMs) {
      probes.inc({
        driver: target.policy.driver,
        result: result.ok ? 'ok' : result.fault ? 'fault' : 'failed',
      });
      latency.observe({ driver: target.policy.driver }, durationMs / 1000);
      drift.observe(Math.max(0, driftMs) / 1000);
    },
    missed(_target, rounds) {
      missed.inc(rounds);
    },
  };
  return { registry, observer };
}
