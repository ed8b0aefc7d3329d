// What a probe loop heartbeats: failed rounds and the first healthy one at once
// (a loop resumed elsewhere must not lose them), further healthy rounds only
// with the periodic beat. Real probes: fping to 127.0.0.1 for a healthy target,
// the allow-list guard (nothing sent) for a failing one.
import { afterAll, describe, expect, it } from 'vitest';
import { ProbeLoop, type Prober } from '../../src/activities/probe-loop.js';
import { normalizeMonitoringPolicy } from '../../src/monitoring/policy.js';
import type { LoopTarget, ProbeLoopHeartbeat } from '../../src/monitoring/contract.js';
import { FpingEngine } from '../../src/probes/fping-engine.js';
import { guardedProbe } from '../../src/probes/guard.js';

const engine = new FpingEngine();
afterAll(() => engine.close());

const r = normalizeMonitoringPolicy(
  {
    name: 'ping',
    parameters: { count: 1, timeout: 0.5, period: 1, monitoring_delay: 0, failure_threshold: 50 },
    actions: { failure: 'log' },
  },
  'test',
);
if (!r.policy) throw new Error(JSON.stringify(r.errors));
const policy = r.policy;
const prober: Prober = (t, cidrs, signal) => guardedProbe(engine, t.ip, policy, cidrs, signal);

async function beatsOver(ms: number, allowedCidrs: string[], heartbeatEveryMs: number) {
  const target: LoopTarget = {
    instanceId: 'i-1',
    ip: '127.0.0.1',
    bootedAt: new Date(0).toISOString(),
    vduName: 'VDU1',
    policy,
  };
  const beats: ProbeLoopHeartbeat[] = [];
  const loop = new ProbeLoop(
    {
      loopId: 'l',
      vnfId: 'v',
      generation: 1,
      targets: [target],
      counters: {},
      allowedCidrs,
      renewAfterMs: 60_000,
    },
    { probe: prober, heartbeat: (d) => beats.push(structuredClone(d)), heartbeatEveryMs },
  );
  const done = loop.run();
  await new Promise((res) => setTimeout(res, ms));
  loop.stop('control');
  const result = await done;
  return { beats, counters: result.counters['i-1']! };
}

describe('probe loop heartbeats', () => {
  it('a healthy target heartbeats its first success, then only with the periodic beat', async () => {
    const { beats, counters } = await beatsOver(4500, ['127.0.0.0/8'], 60_000);
    expect(counters.consecutiveSuccesses, JSON.stringify(counters)).toBeGreaterThanOrEqual(3);
    expect(beats).toHaveLength(1);
    expect(beats[0]!.counters['i-1']).toMatchObject({ consecutiveSuccesses: 1, lastResult: 'ok' });
  });

  it('the periodic beat carries the healthy counters', async () => {
    const { beats } = await beatsOver(4500, ['127.0.0.0/8'], 1000);
    expect(beats.length).toBeGreaterThanOrEqual(4);
    expect(beats.at(-1)!.counters['i-1']!.consecutiveSuccesses).toBeGreaterThanOrEqual(3);
  });

  it('every failed round heartbeats at once', async () => {
    const { beats, counters } = await beatsOver(4500, ['10.234.0.0/24'], 60_000);
    expect(counters.consecutiveFailures).toBeGreaterThanOrEqual(3);
    const failures = beats.map((b) => b.counters['i-1']!.consecutiveFailures);
    expect(failures.slice(0, counters.consecutiveFailures)).toEqual(
      Array.from({ length: counters.consecutiveFailures }, (_, i) => i + 1),
    );
  });
});
