// releaseLostWorkerLoops: runs on the shared monitor queue (any live monitor
// worker) for a presence workflow whose worker stopped answering. Monitors
// publish the queue their loop runs on in their memo (`loopQueue`); every
// running monitor on this monitor task queue whose memo names the lost queue
// gets `workerLost`, and starts its loop elsewhere. A listing of the running
// monitors costs visibility reads, but only when a worker dies; a monitor
// signalled twice, or whose loop moved meanwhile, ignores it.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { SIGNAL_WORKER_LOST, type PresenceActivities } from '../monitoring/contract.js';

const SIGNALS_IN_FLIGHT = 50;

export function presenceActivities(opts: {
  client: Client;
  /** The shared monitor task queue: monitors of other installations in the namespace are not touched. */
  monitorTaskQueue: string;
}): Pick<PresenceActivities, 'releaseLostWorkerLoops'> {
  return {
    releaseLostWorkerLoops: async ({ loopTaskQueue }) => {
      const ctx = Context.current();
      const query =
        `WorkflowType = 'vnfMonitorWorkflow' AND ExecutionStatus = 'Running' ` +
        `AND TaskQueue = '${opts.monitorTaskQueue.replace(/'/g, "\\'")}'`;
      let listed = 0;
      let signalled = 0;
      let batch: Promise<void>[] = [];
      const flush = async () => {
        await Promise.all(batch);
        batch = [];
        ctx.heartbeat({ listed, signalled });
      };
      for await (const wf of opts.client.workflow.list({ query })) {
        listed += 1;
        if (wf.memo?.loopQueue !== loopTaskQueue) continue;
        signalled += 1;
        batch.push(
          opts.client.workflow
            .getHandle(wf.workflowId)
            .signal(SIGNAL_WORKER_LOST, { taskQueue: loopTaskQueue })
            .catch((err: unknown) => {
              // Completed meanwhile: nothing to take over.
              ctx.log.warn('workerLost not delivered', {
                workflowId: wf.workflowId,
                error: (err as Error).message,
              });
            }),
        );
        if (batch.length >= SIGNALS_IN_FLIGHT) await flush();
      }
      await flush();
      ctx.log.info('lost monitor worker: its monitors told', { loopTaskQueue, listed, signalled });
      return signalled;
    },
  };
}
