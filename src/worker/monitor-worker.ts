// The monitor worker: vnfMonitorWorkflow and, in a worker of its own that
// stops polling while the conductor has this worker quarantined,
// pickProbeWorker on the shared monitor queue; probe loops on this process's own queue, loop control on a
// companion queue (so control messages never wait behind loops for a slot),
// and this process's presence (one heartbeat stream for the whole worker; its
// workflow tells the monitors of a dead worker to move their loops).
// Never imports the database (test/import-graph.test.ts checks).
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { TemporalConfig } from '../config.js';
import { controlQueueOf, LoopRegistry } from '../activities/loop-registry.js';
import { presenceActivities } from '../activities/worker-presence.js';
import {
  WORKER_PRESENCE_WORKFLOW_TYPE,
  loopQueueOf,
  workerPresenceWorkflowId,
  type WorkerPresenceInput,
} from '../monitoring/contract.js';
import type { LoopObserver, Prober } from '../activities/probe-loop.js';
import { guardedProbe, probeDriverFor } from '../probes/index.js';
import { cachedWorkflowBundle } from '../temporal/workflow-bundle.js';

export const MONITOR_WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface MonitorWorkerOptions {
  connection: NativeConnection;
  /** Starts this worker's presence workflow and signals the monitors of lost workers. */
  client: Client;
  temporal: TemporalConfig;
  maxLoops: number;
  /** Monitor workflows kept in the sticky cache (default 500): they sleep between events, and each costs ≈ 0.3 MB. */
  maxCachedWorkflows?: number;
  /** Worker silence before its loops are taken over (VNFM_MONITOR_HEARTBEAT_TIMEOUT). */
  heartbeatTimeoutMs: number;
  /** Backstop heartbeat timeout of the loops themselves (VNFM_MONITOR_LOOP_HEARTBEAT_TIMEOUT). */
  loopHeartbeatTimeoutMs?: number;
  pingEngine: 'batch' | 'ping';
  observer?: LoopObserver;
  /** The conductor took this worker out of probing (its probe path is unreliable). */
  onQuarantine?: (untilMs: number, reason: string) => void;
  /** Prebuilt workflow bundle (tests share one). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Told when this worker's presence workflow ends while it runs (it was declared lost). */
  onPresenceLost?: (detail: string) => void;
}

export interface MonitorWorker {
  registry: LoopRegistry;
  loopQueue: string;
  /** Id of this process's presence workflow. */
  presenceWorkflowId: string;
  run(): Promise<void>;
  /** Ends loops first (their counters go back to the workflows), then stops polling. */
  shutdown(): Promise<void>;
}

export async function createMonitorWorker(opts: MonitorWorkerOptions): Promise<MonitorWorker> {
  const id = opts.identity ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const loopQueue = loopQueueOf(opts.temporal.monitorTaskQueue, id);
  const probe: Prober = (t, allowedCidrs, signal) =>
    guardedProbe(probeDriverFor(t.policy.driver, opts.pingEngine), t.ip, t.policy, allowedCidrs, signal);
  // The quarantine's end: placement resumes (see `placement` below).
  let quarantineEnds: NodeJS.Timeout | undefined;
  let placement: Worker | undefined;
  let stopping = false;
  const registry = new LoopRegistry({
    loopQueue,
    maxLoops: opts.maxLoops,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    ...(opts.loopHeartbeatTimeoutMs ? { loopHeartbeatTimeoutMs: opts.loopHeartbeatTimeoutMs } : {}),
    probe,
    observer: opts.observer,
    onQuarantine: (untilMs, reason) => {
      // Stop taking placements: a quarantined worker that merely refused them would draw a share
      // of its own loops' re-placements, each refusal backing the monitor off (up to 30 s), so
      // its fleet would take minutes to move to the other workers.
      clearTimeout(quarantineEnds);
      if (placement?.getState() === 'RUNNING') placement.shutdown();
      quarantineEnds = setTimeout(() => placementResumes(), Math.max(0, untilMs - Date.now()));
      opts.onQuarantine?.(untilMs, reason);
    },
  });
  const activities = registry.activities();
  const base = { connection: opts.connection, namespace: opts.temporal.namespace, identity: `monitor-${id}` };
  // Workflows only: activity tasks of the shared queue go to `placement`, which can stop polling.
  const workflows = await Worker.create({
    ...base,
    taskQueue: opts.temporal.monitorTaskQueue,
    workflowBundle: opts.workflowBundle ?? (await cachedWorkflowBundle(MONITOR_WORKFLOWS_PATH)),
    maxCachedWorkflows: opts.maxCachedWorkflows ?? 500,
  });
  /** The shared queue's activities: placing loops (on this worker) and the fleet's presence chores. */
  const createPlacement = () =>
    Worker.create({
      ...base,
      taskQueue: opts.temporal.monitorTaskQueue,
      activities: {
        pickProbeWorker: activities.pickProbeWorker,
        ...presenceActivities({ client: opts.client, monitorTaskQueue: opts.temporal.monitorTaskQueue }),
      },
    });
  placement = await createPlacement();
  let placementRuns: Promise<void> = Promise.resolve();
  /** Runs `placement` until it is shut down (quarantine, shutdown); runs a new one when asked. */
  const runPlacement = (w: Worker) => {
    placementRuns = placementRuns
      .then(() => w.run())
      .catch((err: unknown) => {
        opts.onPresenceLost?.(`placement worker stopped: ${(err as Error).message}`);
      });
  };
  const placementResumes = () => {
    quarantineEnds = undefined;
    if (stopping || registry.quarantined()) return;
    void createPlacement().then((w) => {
      if (stopping) return;
      placement = w;
      runPlacement(w);
    });
  };
  const loops = await Worker.create({
    ...base,
    taskQueue: loopQueue,
    activities: { runProbeLoop: activities.runProbeLoop },
    // Each loop holds a slot for its whole life.
    maxConcurrentActivityTaskExecutions: opts.maxLoops,
    // Loops of presence runs (3 h timeout) send at most one heartbeat a minute, failed rounds
    // included; runs that predate presence keep 0.8 × their short timeout.
    maxHeartbeatThrottleInterval: Math.max(60_000, opts.heartbeatTimeoutMs * 0.8),
  });
  const control = await Worker.create({
    ...base,
    taskQueue: controlQueueOf(loopQueue),
    activities: { controlProbeLoop: activities.controlProbeLoop, workerPresence: activities.workerPresence },
    maxConcurrentActivityTaskExecutions: 200,
    // The presence beats three times per timeout (the SDK's default, 0.8 × the timeout, leaves
    // a busy worker one late heartbeat from being declared lost with every loop it runs).
    maxHeartbeatThrottleInterval: opts.heartbeatTimeoutMs / 3,
    defaultHeartbeatThrottleInterval: opts.heartbeatTimeoutMs / 3,
  });
  const presenceWorkflowId = workerPresenceWorkflowId(id);
  const presenceInput: WorkerPresenceInput = {
    identity: id,
    loopTaskQueue: loopQueue,
    presenceTaskQueue: controlQueueOf(loopQueue),
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
  };
  // Aborts the presence calls in flight at shutdown: a long poll left running past the client's
  // close comes back UNAVAILABLE, and the SDK's retry of it then throws from a timer.
  const presenceAbort = new AbortController();
  /** Keeps this process's presence workflow running while the worker does (run under presenceAbort). */
  const keepPresence = async () => {
    let wait = 1000;
    while (!stopping) {
      try {
        const handle = await opts.client.workflow
          .start(WORKER_PRESENCE_WORKFLOW_TYPE, {
            workflowId: presenceWorkflowId,
            taskQueue: opts.temporal.monitorTaskQueue,
            args: [presenceInput],
          })
          .catch((err: unknown) => {
            if (err instanceof WorkflowExecutionAlreadyStartedError)
              return opts.client.workflow.getHandle(presenceWorkflowId);
            throw err;
          });
        wait = 1000;
        const r = (await handle.result()) as { worker: string; monitorsSignalled?: number };
        if (stopping) return;
        opts.onPresenceLost?.(
          `presence workflow ended (${r.worker}${r.monitorsSignalled !== undefined ? `, ${r.monitorsSignalled} monitors moved their loops` : ''}); starting it again`,
        );
      } catch (err) {
        if (stopping) return;
        opts.onPresenceLost?.(`presence workflow: ${(err as Error).message}; retrying`);
      }
      await sleep(wait, undefined, { signal: presenceAbort.signal }).catch(() => undefined);
      wait = Math.min(wait * 2, 30_000);
    }
  };
  let running: Promise<unknown> | undefined;
  let presenceKept: Promise<void> = Promise.resolve();
  return {
    registry,
    loopQueue,
    presenceWorkflowId,
    run: async () => {
      presenceKept = opts.client.connection.withAbortSignal(presenceAbort.signal, keepPresence);
      runPlacement(placement!);
      running = Promise.all([workflows.run(), loops.run(), control.run()]);
      await running;
      await placementRuns;
    },
    shutdown: async () => {
      stopping = true;
      clearTimeout(quarantineEnds);
      if (workflows.getState() === 'RUNNING') workflows.shutdown();
      if (placement?.getState() === 'RUNNING') placement.shutdown();
      registry.drain();
      if (loops.getState() === 'RUNNING') loops.shutdown();
      if (control.getState() === 'RUNNING') control.shutdown();
      presenceAbort.abort();
      await Promise.all([running, presenceKept]);
    },
  };
}
