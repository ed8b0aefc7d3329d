// Activity stubs the conductor's workflows use. Database steps retry without
// limit (a PostgreSQL outage makes them wait, never fail the operation); VIM
// steps retry a few times, and never when the VIM refused for good. Every
// step heartbeats (activities/heartbeat.ts), so a dead conductor's steps are
// retried elsewhere after HEARTBEAT_TIMEOUT, not after their whole timeout.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ConductorActivities } from '../activities/index.js';

const HEARTBEAT_TIMEOUT = '10 seconds';

export const db = proxyActivities<ConductorActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/**
 * The same database steps as local activities (patch LOCAL_DB_STEPS): they run
 * in the conductor that runs the workflow, recorded as one marker instead of a
 * task-queue round trip and three history events, and without a workflow task
 * of their own. For short steps of hot paths (create). A conductor that dies
 * mid-step loses the workflow task, and the step runs again on another one
 * after the task timeout, as any step does; the steps are idempotent.
 */
export const localDb = proxyLocalActivities<ConductorActivities>({
  startToCloseTimeout: '30 seconds',
  // Past this, retries wait on a durable timer instead of inside the workflow task.
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

export const vim = proxyActivities<ConductorActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: {
    initialInterval: '1 second',
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['VimRejected', 'BadPlan', 'InstanceDeleted'],
  },
});

export const monitorControl = proxyActivities<ConductorActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});
