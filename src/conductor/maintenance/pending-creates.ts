// VNFs left in PENDING_CREATE without a create workflow (the API crashed
// between writing the row and starting the workflow): no lifecycle run ever
// claimed them. A create that did start and ended without finishing is
// settled instead (stuck-lifecycles.ts), never booted again.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { CREATE_VNF_WORKFLOW, lifecycleWorkflowId } from '../contract.js';
import type { MaintenanceDeps } from './deps.js';

/** Starts create workflows for VNFs stuck in PENDING_CREATE without one; returns the VNFs it started. */
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
  if (!stuck.length) return [];
  // Behind a backlog (thousands of creates queued in Temporal, none run yet) every
  // queued VNF looks stuck: one listing of the running creates finds them, where a
  // start call per VNF per pass would add to the very load that delays them.
  const running = new Set<string>();
  for await (const w of client.workflow.list({
    query: `WorkflowType = '${CREATE_VNF_WORKFLOW}' AND ExecutionStatus = 'Running'`,
  }))
    running.add(w.workflowId);
  const started: string[] = [];
  for (const { id } of stuck) {
    if (running.has(lifecycleWorkflowId(id))) continue;
    try {
      // FAIL, not USE_EXISTING: a create started since the listing (visibility lags) is
      // left alone and not reported as reconciled.
      await client.workflow.start(CREATE_VNF_WORKFLOW, {
        workflowId: lifecycleWorkflowId(id),
        taskQueue: temporal.conductorTaskQueue,
        args: [{ vnfId: id }],
        workflowIdConflictPolicy: 'FAIL',
        // A create that completed since the query (a backlogged queue) is no reason for another run; a failed one is.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
      started.push(id);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  if (started.length) log.info({ vnfs: started }, 'reconciled VNFs stuck in PENDING_CREATE');
  return started;
}
