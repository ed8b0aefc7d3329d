// The monitor's shell (src/workflows/monitor/workflow.ts) on a real Temporal
// server with stubbed activities: a probe loop, its control messages, the
// conductor's event writes and policy actions are played by the test, so
// each test drives the workflow through exactly the interleaving it needs.
// This tests workflow logic (what the shell does with Temporal), not
// integration: the end-to-end tests keep the real probes, database and VIM.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { normalizeMonitoringPolicy, type PolicyActionName } from '../../../src/monitoring/policy.js';
import {
  MONITOR_WORKFLOW_TYPE,
  monitorWorkflowId,
  QUERY_STATUS,
  type MonitorEventInput,
  type MonitorInput,
  type MonitorStatus,
  type PolicyActionInput,
  type ProbeLoopControl,
  type ProbeLoopInput,
  type ProbeLoopResult,
} from '../../../src/monitoring/contract.js';
import { MONITOR_WORKFLOWS_PATH } from '../../../src/worker/monitor-worker.js';
import { workflowBundle } from '../../helpers/workers.js';
import type { StubAnswer } from './stub-workflows.js';

const STUB_WORKFLOWS = fileURLToPath(new URL('./stub-workflows.ts', import.meta.url));

/** A deferred value the test settles. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
}

type Counters = ProbeLoopResult['counters'];
export type LoopEnd =
  | { kind: 'failure' | 'recovered'; instanceId: string; counters?: Counters }
  | { kind: 'stopped'; reason: 'control' | 'shutdown' | 'renew' | 'cancelled'; counters?: Counters };

export interface StubLoop {
  input: ProbeLoopInput;
  controls: ProbeLoopControl[];
  /** When set, control messages are not taken (an unreachable worker). */
  deaf: boolean;
  /** When set, control calls fail without an answer (a worker too busy to answer in time). */
  mute: boolean;
  end(r: LoopEnd): void;
  ended: boolean;
}

export interface StubAction {
  req: PolicyActionInput;
  answer(a: StubAnswer): void;
}

export interface StubWrite {
  event: MonitorEventInput;
  done(result?: 'ok' | 'bad_action'): void;
}

/** Waits until `pick()` finds something in `list` (or fails after `ms`). */
async function waitFor<T>(what: string, pick: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = pick();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class ShellWorld {
  loops: StubLoop[] = [];
  actions: StubAction[] = [];
  writes: StubWrite[] = [];
  /** Event writes complete at once unless set. */
  holdWrites = false;
  /** pickProbeWorker calls so far. */
  picks = 0;
  /** The worker's presence timeout pickProbeWorker reports (a loop's check comes this long after its start). */
  workerHeartbeatMs = 60_000;
  private ipSeq = 0;
  private constructor(
    readonly client: Client,
    readonly queue: string,
    readonly conductorQueue: string,
    private readonly stop: () => Promise<void>,
  ) {}

  static async start(address: string): Promise<ShellWorld> {
    const suffix = randomBytes(4).toString('hex');
    const queue = `shell-monitor-${suffix}`;
    const conductorQueue = `shell-conductor-${suffix}`;
    const connection = await NativeConnection.connect({ address });
    const client = new Client({ connection: await Connection.connect({ address }) });
    const ref: { world?: ShellWorld } = {};
    const world = () => ref.world!;
    const monitor = await Worker.create({
      connection,
      taskQueue: queue,
      workflowBundle: await workflowBundle(MONITOR_WORKFLOWS_PATH),
      activities: {
        pickProbeWorker: async () => {
          world().picks++;
          return { taskQueue: queue, controlTaskQueue: queue, heartbeatTimeoutMs: world().workerHeartbeatMs };
        },
        runProbeLoop: (input: ProbeLoopInput) => world().runLoop(input),
        controlProbeLoop: async (msg: ProbeLoopControl) => world().control(msg),
      },
    });
    const conductor = await Worker.create({
      connection,
      taskQueue: conductorQueue,
      workflowBundle: await workflowBundle(STUB_WORKFLOWS),
      activities: {
        stubPolicyAction: (req: PolicyActionInput) => world().policyAction(req),
        recordMonitorEvent: (event: MonitorEventInput) => world().recordEvent(event),
      },
    });
    const running = Promise.all([monitor.run(), conductor.run()]);
    const made = new ShellWorld(client, queue, conductorQueue, async () => {
      monitor.shutdown();
      conductor.shutdown();
      for (const l of made.loops) if (!l.ended) l.end({ kind: 'stopped', reason: 'shutdown' });
      for (const a of made.actions) a.answer({ fail: { message: 'test over', type: 'TestOver' } });
      for (const w of made.writes) w.done();
      await running;
      await client.connection.close();
      await connection.close();
    });
    ref.world = made;
    return made;
  }

  close(): Promise<void> {
    return this.stop();
  }

  // ---- the stubs ----
  private runLoop(input: ProbeLoopInput): Promise<ProbeLoopResult> {
    const ctx = Context.current();
    const d = deferred<ProbeLoopResult>();
    const loop: StubLoop = {
      input,
      controls: [],
      deaf: false,
      mute: false,
      ended: false,
      end: (r) => {
        if (loop.ended) return;
        loop.ended = true;
        d.resolve({ counters: input.counters, ...r } as ProbeLoopResult);
      },
    };
    this.loops.push(loop);
    const beat = setInterval(
      () => ctx.heartbeat({ loopId: input.loopId, generation: input.generation, counters: input.counters }),
      1000,
    );
    ctx.cancelled.catch(() => {
      loop.ended = true;
      d.reject(new Error('cancelled'));
    });
    return d.promise.finally(() => clearInterval(beat));
  }

  private control(msg: ProbeLoopControl): boolean {
    const loop = this.loops.find((l) => l.input.loopId === msg.loopId && !l.ended);
    if (!loop) return false;
    loop.controls.push(msg);
    if (loop.mute) throw ApplicationFailure.nonRetryable('no answer in time (test)');
    if (loop.deaf) return false;
    if (msg.command === 'stop') loop.end({ kind: 'stopped', reason: 'control' });
    return true;
  }

  private policyAction(req: PolicyActionInput): Promise<StubAnswer> {
    const d = deferred<StubAnswer>();
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 1000);
    this.actions.push({ req, answer: d.resolve });
    return d.promise.finally(() => clearInterval(beat));
  }

  private recordEvent(event: MonitorEventInput): Promise<'ok' | 'bad_action'> {
    const d = deferred<'ok' | 'bad_action'>();
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 1000);
    this.writes.push({ event, done: (r = 'ok') => d.resolve(r) });
    if (!this.holdWrites) d.resolve('ok');
    return d.promise.finally(() => clearInterval(beat));
  }

  // ---- driving ----
  async startMonitor(opts: {
    targets: { id: string; action?: PolicyActionName; vdu?: string }[];
    firstEpisode?: number;
    vnfStatus?: string;
  }): Promise<{ vnfId: string; actionId: string; handle: WorkflowHandle; input: MonitorInput }> {
    const vnfId = `shell-${randomBytes(4).toString('hex')}`;
    const actionId = `a-${randomBytes(4).toString('hex')}`;
    const byVdu = new Map<string, { action: PolicyActionName; ids: string[] }>();
    for (const t of opts.targets) {
      const vdu = t.vdu ?? `VDU-${t.id}`;
      const v = byVdu.get(vdu) ?? { action: t.action ?? 'respawn', ids: [] };
      v.ids.push(t.id);
      byVdu.set(vdu, v);
    }
    const vdus = [...byVdu].map(([vduName, v]) => ({
      vduName,
      policy: policy(v.action),
      targets: v.ids.map((id) => {
        const n = ++this.ipSeq;
        return {
          instanceId: id,
          ip: `10.9.${(n >> 8) & 255}.${n & 255 || 1}`,
          bootedAt: '2026-01-01T00:00:00.000Z',
        };
      }),
    }));
    const input: MonitorInput = {
      vnfId,
      vnfName: vnfId,
      vnfdName: 'shell',
      tenantId: 't',
      actionId,
      generation: 1,
      vdus,
      conductorTaskQueue: this.conductorQueue,
      allowedCidrs: ['10.9.0.0/16'],
      ...(opts.firstEpisode ? { firstEpisode: opts.firstEpisode } : {}),
      ...(opts.vnfStatus ? { vnfStatus: opts.vnfStatus } : {}),
    };
    const handle = await this.client.workflow.start(MONITOR_WORKFLOW_TYPE, {
      workflowId: monitorWorkflowId(vnfId),
      taskQueue: this.queue,
      args: [input],
      memo: { actionId, generation: 1 },
    });
    return { vnfId, actionId, handle, input };
  }

  status(handle: WorkflowHandle): Promise<MonitorStatus> {
    return handle.query<MonitorStatus>(QUERY_STATUS);
  }

  /** The newest loop of the VNF that is still running. */
  liveLoop(vnfId: string, notBefore = 0): Promise<StubLoop> {
    return waitFor(`a running probe loop of ${vnfId}`, () =>
      this.loops.slice(notBefore).findLast((l) => l.input.vnfId === vnfId && !l.ended),
    );
  }

  action(vnfId: string, n: number): Promise<StubAction> {
    return waitFor(
      `policy action ${n + 1} of ${vnfId}`,
      () => this.actions.filter((a) => a.req.vnfId === vnfId)[n],
    );
  }

  write(vnfId: string, kind: MonitorEventInput['kind']): Promise<StubWrite> {
    return waitFor(`a ${kind} event of ${vnfId}`, () =>
      this.writes.find((w) => w.event.vnfId === vnfId && w.event.kind === kind),
    );
  }

  waitFor = waitFor;
}

export function policy(action: PolicyActionName) {
  const n = normalizeMonitoringPolicy(
    {
      name: 'ping',
      parameters: { period: 1, monitoring_delay: 0, failure_threshold: 1 },
      actions: { failure: action },
    },
    'shell',
  );
  if (!n.policy) throw new Error(JSON.stringify(n.errors));
  return n.policy;
}
