// The conductor worker: lifecycle workflows, policy actions, and every
// database write made for a workflow.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createConductorActivities, type ConductorDeps } from './activities/index.js';
import { cachedWorkflowBundle } from '../temporal/workflow-bundle.js';

export const CONDUCTOR_WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface ConductorWorkerOptions extends ConductorDeps {
  connection: NativeConnection;
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

export async function createConductorWorker(opts: ConductorWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.temporal.namespace,
    taskQueue: opts.temporal.conductorTaskQueue,
    ...(opts.identity ? { identity: opts.identity } : {}),
    workflowBundle: opts.workflowBundle ?? (await cachedWorkflowBundle(CONDUCTOR_WORKFLOWS_PATH)),
    activities: createConductorActivities(opts),
    maxConcurrentActivityTaskExecutions: 200,
    // On SIGTERM, let in-flight VIM and database steps finish rather than be retried elsewhere.
    shutdownGraceTime: '20 seconds',
  });
}
