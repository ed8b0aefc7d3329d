// VNFs left in a PENDING_* state by a lifecycle run that no longer runs: a
// scale, heal, update or delete terminated from the Web UI or lost with its
// history, a create whose own cleanup failed. Every pass, each such VNF older
// than the grace (no change to its row for that long) gets a settle workflow
// under its lifecycle id (settle-vnf.ts): Temporal starts it only when no
// lifecycle workflow of the VNF runs, so a running operation is never touched,
// and the settle itself checks that the VNF is still where the lost run left it.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  lifecycleWorkflowId,
  SETTLE_VNF_WORKFLOW,
  type SettleVnfInput,
  type VnfStatus,
} from '../contract.js';
import type { MaintenanceDeps } from './deps.js';

/** Default grace: a PENDING_* VNF untouched for less than this is left to its workflow. */
export const DEFAULT_SETTLE_GRACE_MS = 60_000;

/** Starts settle workflows for VNFs whose lifecycle step no running workflow owns; returns their ids. */
export async function settleStuckLifecycles(
  { db, client, temporal, log }: MaintenanceDeps,
  graceMs = DEFAULT_SETTLE_GRACE_MS,
): Promise<string[]> {
  const stuck = await db.vnf.findMany({
    where: {
      deletedAt: null,
      status: { startsWith: 'PENDING_' },
      updatedAt: { lt: new Date(Date.now() - graceMs) },
      // A create never started is started (pending-creates.ts), not settled.
      NOT: { status: 'PENDING_CREATE', lifecycleRun: null },
    },
    select: { id: true, status: true, lifecycleRun: true },
  });
  const started: string[] = [];
  for (const vnf of stuck) {
    try {
      await client.workflow.start(SETTLE_VNF_WORKFLOW, {
        workflowId: lifecycleWorkflowId(vnf.id),
        taskQueue: temporal.conductorTaskQueue,
        args: [
          { vnfId: vnf.id, status: vnf.status as VnfStatus, run: vnf.lifecycleRun } satisfies SettleVnfInput,
        ],
        // A lifecycle workflow of the VNF runs: it owns the step, or will settle it itself.
        workflowIdConflictPolicy: 'FAIL',
      });
      started.push(vnf.id);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  if (started.length)
    log.info(
      { vnfs: started },
      'settling VNFs left in PENDING_* by a lifecycle workflow that no longer runs',
    );
  return started;
}
