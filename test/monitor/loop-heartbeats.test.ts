// What a probe loop heartbeats: failed rounds and the first healthy one
// (a loop resumed elsewhere must not lose them), further healthy rounds only
// with the periodic beat. Real probes: fping to 127.0.0.1 for a healthy target,
// a network namespace that drops echo requests for a failing one, and the
// allow-list guard (nothing sent) for a round the worker cannot run — which
// moves no counter.
//
// And what that costs Temporal in a healthy fleet: the worker's presence
// heartbeats (short timeout), the loops almost never (a backstop timeout of
// hours, beaten a third as often; the SDK holds failed rounds' beats to one a
// minute) — measured on real monitors from the pending activities'
// lastHeartbeatTime over a window.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ProbeLoop, type Prober } from '../../src/activities/probe-loop.js';
import { normalizeMonitoringPolicy } from '../../src/monitoring/policy.js';
import type { LoopTarget, ProbeLoopHeartbeat } from '../../src/monitoring/contract.js';
import { FpingEngine } from '../../src/probes/fping-engine.js';
import { guardedProbe } from '../../src/probes/guard.js';
import {
  MONITOR_WORKFLOW_TYPE,
  monitorWorkflowId,
  type MonitorInput,
} from '../../src/monitoring/contract.js';
import { DEFAULT_LOOP_HEARTBEAT_TIMEOUT_MS } from '../../src/activities/loop-registry.js';
import { startStack, eventually, type TestStack } from '../helpers/workers.js';
import { createNetnsTarget, type NetnsTarget } from '../probes/netns-target.js';

const engine = new FpingEngine();
let silent: NetnsTarget | undefined;
afterAll(() => {
  engine.close();
  silent?.destroy();
});

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

async function beatsOver(ms: number, allowedCidrs: string[], heartbeatEveryMs: number, ip = '127.0.0.1') {
  const target: LoopTarget = {
    instanceId: 'i-1',
    ip,
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
    silent = createNetnsTarget();
    silent.answer(false);
    const { beats, counters } = await beatsOver(4500, [silent.cidr], 60_000, silent.ip);
    expect(counters.lastResult).toBe('failed');
    expect(counters.consecutiveFailures).toBeGreaterThanOrEqual(3);
    const failures = beats.map((b) => b.counters['i-1']!.consecutiveFailures);
    expect(failures.slice(0, counters.consecutiveFailures)).toEqual(
      Array.from({ length: counters.consecutiveFailures }, (_, i) => i + 1),
    );
  });

  it('a round the worker cannot run (refused by the allow-list) moves no counter, and says why', async () => {
    const { beats, counters } = await beatsOver(3500, ['10.234.0.0/24'], 60_000);
    expect(counters).toMatchObject({ consecutiveFailures: 0, consecutiveSuccesses: 0, lastResult: 'fault' });
    expect(counters.lastError).toMatch(/outside the VIM's allowed CIDRs/);
    expect(beats.length).toBeGreaterThanOrEqual(2);
  });
});

describe('a healthy fleet on a real worker', () => {
  let stack: TestStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it('loops do not heartbeat per period; the worker presence does', { timeout: 120_000 }, async () => {
    stack = await startStack({ conductor: false, heartbeatTimeoutMs: 3000 });
    const s = stack;
    const N = 8;
    const handles = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const vnfId = `hb-${randomBytes(4).toString('hex')}`;
        const input: MonitorInput = {
          vnfId,
          vnfName: vnfId,
          vnfdName: 'hb',
          tenantId: 't',
          actionId: `a-${vnfId}`,
          generation: 1,
          vdus: [
            {
              vduName: 'VDU1',
              policy,
              targets: [
                { instanceId: `i-${vnfId}`, ip: `127.0.0.${i + 1}`, bootedAt: new Date(0).toISOString() },
              ],
            },
          ],
          conductorTaskQueue: `${s.temporal.conductorTaskQueue}-unused`,
          allowedCidrs: ['127.0.0.0/8'],
        };
        return s.client.workflow.start(MONITOR_WORKFLOW_TYPE, {
          workflowId: monitorWorkflowId(vnfId),
          taskQueue: s.temporal.monitorTaskQueue,
          args: [input],
          memo: { generation: 1 },
        });
      }),
    );
    const loopOf = async (h: (typeof handles)[number]) => {
      const d = await h.describe();
      return d.raw.pendingActivities?.find((a) => a.activityType?.name === 'runProbeLoop');
    };
    const seconds = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
      t ? Number(t.seconds ?? 0) + (t.nanos ?? 0) / 1e9 : 0;
    // Every loop running, its first success heartbeated (the one beat it sends at once).
    await eventually(
      'every loop running and heartbeated once',
      async () => (await Promise.all(handles.map(loopOf))).every((a) => a?.lastHeartbeatTime),
      60_000,
    );
    const before = await Promise.all(handles.map(loopOf));
    // Scheduled with the backstop timeout (presence runs), not the worker's short one.
    for (const h of handles) {
      const scheduled = (await h.fetchHistory()).events?.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runProbeLoop',
      );
      expect(seconds(scheduled?.activityTaskScheduledEventAttributes?.heartbeatTimeout) * 1000).toBe(
        DEFAULT_LOOP_HEARTBEAT_TIMEOUT_MS,
      );
    }
    const presence = s.client.workflow.getHandle(s.monitor!.presenceWorkflowId);
    const presenceBeat = async () =>
      seconds((await presence.describe()).raw.pendingActivities?.[0]?.lastHeartbeatTime);
    const presenceBefore = await presenceBeat();

    // A window of eight probe periods per loop.
    await new Promise((r) => setTimeout(r, 8000));

    const after = await Promise.all(handles.map(loopOf));
    const beats = after.filter(
      (a, i) => seconds(a!.lastHeartbeatTime) !== seconds(before[i]!.lastHeartbeatTime),
    );
    // Same activities (nothing restarted), and none beat again while healthy: 0 per period.
    expect(after.map((a) => a!.activityId)).toEqual(before.map((a) => a!.activityId));
    expect(beats).toHaveLength(0);
    // The worker's presence (3 s timeout here, throttled to 0.8 × that) beat meanwhile.
    expect(await presenceBeat()).toBeGreaterThan(presenceBefore);
    for (const h of handles) await h.terminate('test over');
  });
});
