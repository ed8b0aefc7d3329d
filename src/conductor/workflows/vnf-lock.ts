// Runs a lifecycle workflow as a child under the VNF's lifecycle id, so it
// never overlaps an API operation on the same VNF (those use the same id):
// while one runs, wait and try again.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, sleep, startChild, type Workflow } from '@temporalio/workflow';
import { lifecycleWorkflowId } from '../contract.js';

export async function underVnfLock<W extends Workflow>(
  workflow: W,
  vnfId: string,
  args: Parameters<W>,
): Promise<Awaited<ReturnType<W>>> {
  for (;;) {
    try {
      const child = await startChild(workflow.name, {
        workflowId: lifecycleWorkflowId(vnfId),
        args: args as unknown[],
        // The operation finishes even if the policy action that asked for it is terminated.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      return (await child.result()) as Awaited<ReturnType<W>>;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await sleep('2 seconds');
    }
  }
}
