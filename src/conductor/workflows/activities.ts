// Activity stubs the conductor's workflows use. Database steps retry without
// limit (a PostgreSQL outage makes them wait, never fail the operation); VIM
// steps retry a few times, and never when the VIM refused for good. Every
// step heartbeats (activities/heartbeat.ts), so a dead conductor's steps are
// retried elsewhere after HEARTBEAT_TIMEOUT, not after their whole timeout.
import { proxyActivities } from '@temporalio/workflow';
import type { ConductorActivities } from '../activities/index.js';

const HEARTBEAT_TIMEOUT = '10 seconds';

export const db = proxyActivities<ConductorActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
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
