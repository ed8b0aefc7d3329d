// The monitor worker: vnfMonitorWorkflow and pickProbeWorker on the shared
// monitor queue, probe loops on this process's own queue, loop control on a
// companion queue (so control messages never wait behind loops for a slot).
// Never imports the database (test/import-graph.test.ts checks).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { TemporalConfig } from '../config.js';
import { controlQueueOf, LoopRegistry } from '../activities/loop-registry.js';
import type { LoopObserver, Prober } from '../activities/probe-loop.js';
import { guardedProbe, probeDriverFor } from '../probes/index.js';
import { cachedWorkflowBundle } from '../temporal/workflow-bundle.js';

export const MONITOR_WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface MonitorWorkerOptions {
  connection: NativeConnection;
  temporal: TemporalConfig;
  maxLoops: number;
  /** Monitor workflows kept in the sticky cache (default 500): they sleep between events, and each costs ≈ 0.3 MB. */
  maxCachedWorkflows?: number;
  heartbeatTimeoutMs: number;
  pingEngine: 'batch' | 'ping';
  observer?: LoopObserver;
  /** The conductor took this worker out of probing (its probe path is unreliable). */
  onQuarantine?: (untilMs: number, reason: string) => void;
  /** Prebuilt workflow bundle (tests share one). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

export interface MonitorWorker {
  registry: LoopRegistry;
  loopQueue: string;
  run(): Promise<void>;
  /** Ends loops first (their counters go back to the workflows), then stops polling. */
  shutdown(): Promise<void>;
}

export async function createMonitorWorker(opts: MonitorWorkerOptions): Promise<MonitorWorker> {
  const id = opts.identity ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const loopQueue = `${opts.temporal.monitorTaskQueue}@${id}`;
  const probe: Prober = (t, allowedCidrs, signal) =>
    guardedProbe(probeDriverFor(t.policy.driver, opts.pingEngine), t.ip, t.policy, allowedCidrs, signal);
  const registry = new LoopRegistry({
    loopQueue,
    maxLoops: opts.maxLoops,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    probe,
    observer: opts.observer,
    ...(opts.onQuarantine ? { onQuarantine: opts.onQuarantine } : {}),
  });
  const activities = registry.activities();
  const base = { connection: opts.connection, namespace: opts.temporal.namespace, identity: `monitor-${id}` };
  const workflows = await Worker.create({
    ...base,
    taskQueue: opts.temporal.monitorTaskQueue,
    workflowBundle: opts.workflowBundle ?? (await cachedWorkflowBundle(MONITOR_WORKFLOWS_PATH)),
    activities: { pickProbeWorker: activities.pickProbeWorker },
    maxCachedWorkflows: opts.maxCachedWorkflows ?? 500,
  });
  const loops = await Worker.create({
    ...base,
    taskQueue: loopQueue,
    activities: { runProbeLoop: activities.runProbeLoop },
    // Each loop holds a slot for its whole life.
    maxConcurrentActivityTaskExecutions: opts.maxLoops,
    maxHeartbeatThrottleInterval: opts.heartbeatTimeoutMs * 0.8,
  });
  const control = await Worker.create({
    ...base,
    taskQueue: controlQueueOf(loopQueue),
    activities: { controlProbeLoop: activities.controlProbeLoop },
    maxConcurrentActivityTaskExecutions: 200,
  });
  let running: Promise<unknown> | undefined;
  return {
    registry,
    loopQueue,
    run: async () => {
      running = Promise.all([workflows.run(), loops.run(), control.run()]);
      await running;
    },
    shutdown: async () => {
      if (workflows.getState() === 'RUNNING') workflows.shutdown();
      registry.drain();
      if (loops.getState() === 'RUNNING') loops.shutdown();
      if (control.getState() === 'RUNNING') control.shutdown();
      await running;
    },
  };
}
