// VNFs left in PENDING_CREATE without a create workflow (the API crashed
// between writing the row and starting the workflow): no lifecycle run ever
// claimed them. A create that did start and ended without finishing is
// settled instead (stuck-lifecycles.ts), never booted again.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { CREATE_VNF_WORKFLOW, lifecycleWorkflowId } from '../contract.js';
import type { MaintenanceDeps } from './deps.js';

/** Starts create workflows for VNFs stuck in PENDING_CREATE without one. */
export async function reconcilePendingCreates(
  { db, client, temporal, log }: MaintenanceDeps,
  olderThanMs = 30_000,
): Promise<string[]> {
  const stuck = await db.vnf.findMany({
    where: {
      status: 'PENDING_CREATE',
      deletedAt: null,
      lifecycleRun: null,
      createdAt: { lt: new Date(Date.now() - olderThanMs) },
    },
    select: { id: true },
  });
  const started: string[] = [];
  for (const { id } of stuck) {
    try {
      const handle = await client.workflow.start(CREATE_VNF_WORKFLOW, {
        workflowId: lifecycleWorkflowId(id),
        taskQueue: temporal.conductorTaskQueue,
        args: [{ vnfId: id }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // A create that completed since the query (a backlogged queue) is no reason for another run; a failed one is.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
      if (handle.firstExecutionRunId) started.push(id);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  if (started.length) log.info({ vnfs: started }, 'reconciled VNFs stuck in PENDING_CREATE');
  return started;
}
