// monitorWorkerPresence: one per monitor worker process (id
// vnfm-monitor-presence-<identity>, monitor task queue), started by the worker
// itself. Its single activity runs on the worker's own control queue and
// heartbeats with the short timeout (VNFM_MONITOR_HEARTBEAT_TIMEOUT), so a
// dead worker costs Temporal one heartbeat stream per worker instead of one
// per probe loop. When that activity times out, an activity on the shared
// monitor queue (any live worker) signals `workerLost` to every monitor whose
// memo says its loop ran there; each starts its loop elsewhere at once. The
// loops' own heartbeat timeout (hours) is only a backstop.
import { continueAsNew, isCancellation, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PresenceActivities, WorkerPresenceInput } from '../monitoring/contract.js';

/** The presence activity returns this often, so its history stays a few events a day. */
const RENEW_AFTER_MS = 12 * 3600_000;

export type WorkerPresenceResult = { worker: 'shutdown' } | { worker: 'lost'; monitorsSignalled: number };

export async function monitorWorkerPresence(input: WorkerPresenceInput): Promise<WorkerPresenceResult> {
  const { workerPresence } = proxyActivities<PresenceActivities>({
    taskQueue: input.presenceTaskQueue,
    heartbeatTimeout: input.heartbeatTimeoutMs,
    // A worker that dies before it takes the activity is as lost as one that stops beating.
    scheduleToStartTimeout: input.heartbeatTimeoutMs,
    startToCloseTimeout: RENEW_AFTER_MS + 3600_000,
    retry: { maximumAttempts: 1 },
  });
  const { releaseLostWorkerLoops } = proxyActivities<PresenceActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  for (;;) {
    try {
      if ((await workerPresence({ renewAfterMs: RENEW_AFTER_MS })) === 'shutdown')
        return { worker: 'shutdown' };
    } catch (err) {
      if (isCancellation(err)) throw err; // this workflow was cancelled
      log.warn('monitor worker lost: handing its probe loops to other workers', {
        identity: input.identity,
        loopTaskQueue: input.loopTaskQueue,
        error:
          err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err),
      });
      const n = await releaseLostWorkerLoops({ loopTaskQueue: input.loopTaskQueue });
      return { worker: 'lost', monitorsSignalled: n };
    }
    if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof monitorWorkerPresence>(input);
  }
}
