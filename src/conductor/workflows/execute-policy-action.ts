// executePolicyAction: run by a monitor (as a child workflow on the conductor
// queue, id policy-action-<vnfId>-<actionId>-<episode>) when a target crosses
// its failure threshold. Idempotent per (vnfId, actionId, episode): the first
// step records the episode in the database, and a retry after any crash gets
// the recorded outcome instead of acting again.
import { ApplicationFailure, log as wfLog, patched } from '@temporalio/workflow';
import {
  EPISODE_TAKEN,
  type PolicyActionInput,
  type PolicyActionOutcome,
} from '../../monitoring/contract.js';
import type { ActionContext, ActionResult } from './policy-actions/context.js';
import { log } from './policy-actions/log.js';
import { logAndKill } from './policy-actions/log-and-kill.js';
import { respawn } from './policy-actions/respawn.js';
import { vduAutoheal } from './policy-actions/vdu-autoheal.js';
import { db } from './activities.js';
import { POLICY_ACTION_V2 } from './patches.js';

const ACTIONS: Record<PolicyActionInput['action'], (ctx: ActionContext) => Promise<ActionResult>> = {
  respawn,
  log,
  log_and_kill: logAndKill,
  vdu_autoheal: vduAutoheal,
};

export async function executePolicyAction(input: PolicyActionInput): Promise<PolicyActionOutcome> {
  const v2 = patched(POLICY_ACTION_V2);
  const claim = await db.claimPolicyAction(input);
  if (claim.kind === 'recorded') return forCaller(input, claim.outcome);
  if (claim.kind === 'bad_action') return { result: 'bad_action', detail: claim.detail };
  // The monitor takes the next episode number and asks again.
  if (claim.kind === 'taken') throw ApplicationFailure.nonRetryable(claim.detail, EPISODE_TAKEN);
  wfLog.info('policy action', { vnfId: input.vnfId, action: input.action, episode: input.episode });
  const { outcome, recreated } = await ACTIONS[input.action]({ input, claim, v2 });
  await db.completePolicyAction({ executionId: claim.executionId, outcome, recreated });
  return forCaller(input, outcome);
}

/** A monitor of the legacy implementation knows only ok, bad_action and stop. */
function forCaller(input: PolicyActionInput, outcome: PolicyActionOutcome): PolicyActionOutcome {
  if (input.protocol === 2) return outcome;
  if (outcome.result === 'stale')
    return { result: 'ok', generation: outcome.generation, vdus: outcome.vdus, detail: outcome.detail };
  if (outcome.result === 'hold') return { result: 'stop', detail: outcome.detail };
  return outcome;
}
