// Real workers in the test process, on task queues unique to the test file,
// against the run's Temporal dev server and database. Workflow bundles are
// built once per test file, or taken from the disk cache (src/temporal/workflow-bundle.ts).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { HealSettings, TemporalConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { CONDUCTOR_WORKFLOWS_PATH, createConductorWorker } from '../../src/conductor/worker.js';
import {
  createMonitorWorker,
  MONITOR_WORKFLOWS_PATH,
  type MonitorWorker,
} from '../../src/worker/monitor-worker.js';
import { cachedWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { testDb, testTemporalConfig } from './env.js';

const bundles = new Map<string, Promise<WorkflowBundle>>();
export function workflowBundle(path: string): Promise<WorkflowBundle> {
  let b = bundles.get(path);
  if (!b) {
    b = cachedWorkflowBundle(path);
    bundles.set(path, b);
  }
  return b;
}

export interface TestStack {
  temporal: TemporalConfig;
  client: Client;
  db: Db;
  monitor?: MonitorWorker;
  /** Stops and restarts the monitor worker (same process, new identity). */
  restartMonitor(): Promise<void>;
  stopMonitor(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  monitor?: boolean;
  conductor?: boolean;
  heartbeatTimeoutMs?: number;
  pingEngine?: 'batch' | 'ping';
  /** Another database than the run's (a file's private one). */
  databaseUrl?: string;
  /** Another Temporal server than the run's (e.g. one with special dynamic config). */
  temporalAddress?: string;
  /** The conductor's healing-gate settings (default: from the environment). */
  heal?: HealSettings;
}

export async function startStack(opts: StackOptions = {}): Promise<TestStack> {
  const temporal = {
    ...testTemporalConfig(),
    ...(opts.temporalAddress ? { address: opts.temporalAddress } : {}),
  };
  const connection = await NativeConnection.connect({ address: temporal.address });
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  const db = testDb(opts.databaseUrl);
  const running: Promise<unknown>[] = [];
  const stops: (() => Promise<void>)[] = [];

  if (opts.conductor !== false) {
    const worker = await createConductorWorker({
      db,
      client,
      temporal,
      connection,
      workflowBundle: await workflowBundle(CONDUCTOR_WORKFLOWS_PATH),
      ...(opts.heal ? { heal: opts.heal } : {}),
    });
    running.push(worker.run());
    stops.push(async () => worker.shutdown());
  }

  const stack: TestStack = {
    temporal,
    client,
    db,
    async restartMonitor() {
      await stack.stopMonitor();
      await startMonitor();
    },
    async stopMonitor() {
      const m = stack.monitor;
      stack.monitor = undefined;
      await m?.shutdown();
    },
    async stop() {
      await stack.stopMonitor();
      for (const s of stops) await s();
      await Promise.allSettled(running);
      await connection.close();
      await client.connection.close();
      await db.$disconnect();
    },
  };
  const startMonitor = async () => {
    const m = await createMonitorWorker({
      connection,
      client,
      temporal,
      maxLoops: 1000,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 10_000,
      pingEngine: opts.pingEngine ?? 'batch',
      workflowBundle: await workflowBundle(MONITOR_WORKFLOWS_PATH),
    });
    stack.monitor = m;
    void m.run();
  };
  if (opts.monitor !== false) await startMonitor();
  return stack;
}

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false | null>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
