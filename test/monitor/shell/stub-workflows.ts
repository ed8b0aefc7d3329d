// A stand-in for the conductor's executePolicyAction, for the monitor shell's
// tests: it asks the test (an activity of the test process) what to answer.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { PolicyActionInput, PolicyActionOutcome } from '../../../src/monitoring/contract.js';

export interface StubAnswer {
  outcome?: PolicyActionOutcome;
  fail?: { message: string; type: string };
}

const { stubPolicyAction } = proxyActivities<{
  stubPolicyAction(req: PolicyActionInput): Promise<StubAnswer>;
}>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});

export async function executePolicyAction(req: PolicyActionInput): Promise<PolicyActionOutcome> {
  const r = await stubPolicyAction(req);
  if (r.fail) throw ApplicationFailure.nonRetryable(r.fail.message, r.fail.type);
  return r.outcome!;
}
