// The coordinator of one correlated-failure hold (id heal-hold-<holdId>),
// started by the policy action that opened it. Every few seconds it looks at
// the hold (activities/heal-holds.ts): it ends the hold once the scope has
// recovered, reports its limit, applies an operator's decision (the `decide`
// signal: vnfm hold release|cancel, POST /v1.0/holds/{id}/actions) and starts
// released actions no faster than the recreation limits let them run.
import {
  condition,
  continueAsNew,
  defineSignal,
  ParentClosePolicy,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { HOLD_DECISION_SIGNAL, type HoldDecisionSignal } from '../contract.js';
import { db } from './activities.js';
import { releasedActionWorkflow } from './released-action.js';

export const holdDecisionSignal = defineSignal<[HoldDecisionSignal]>(HOLD_DECISION_SIGNAL);

const ROUND = '5 seconds';

export async function healHoldWorkflow(holdId: string, correlatedAtMs?: number): Promise<string> {
  const decisions: HoldDecisionSignal[] = [];
  setHandler(holdDecisionSignal, (d) => {
    // Checked again by the activity; a malformed one is dropped here rather than failing a task.
    if (d && (d.decision === 'release' || d.decision === 'cancel') && typeof d.by === 'string')
      decisions.push(d);
  });
  for (;;) {
    while (decisions.length) await db.decideHold({ holdId, ...decisions.shift()! });
    const r = await db.holdRound(holdId, correlatedAtMs);
    correlatedAtMs = r.correlatedAtMs ?? correlatedAtMs;
    for (const executionId of r.release) {
      try {
        await startChild(releasedActionWorkflow, {
          workflowId: `heal-release-${executionId}`,
          args: [executionId],
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    if (r.done) return r.state;
    await condition(() => decisions.length > 0, ROUND);
    if (workflowInfo().continueAsNewSuggested && decisions.length === 0)
      return continueAsNew<typeof healHoldWorkflow>(holdId, correlatedAtMs);
  }
}
