// executePolicyAction: run by a monitor (as a child workflow on the conductor
// queue, id policy-action-<vnfId>-<actionId>-<episode>) when a target crosses
// its failure threshold. Idempotent per (vnfId, actionId, episode): the first
// step records the episode in the database, and a retry after any crash gets
// the recorded outcome instead of acting again.
import { log as wfLog } from '@temporalio/workflow';
import type { PolicyActionInput, PolicyActionOutcome } from '../../monitoring/contract.js';
import type { ActionContext, ActionResult } from './policy-actions/context.js';
import { log } from './policy-actions/log.js';
import { logAndKill } from './policy-actions/log-and-kill.js';
import { respawn } from './policy-actions/respawn.js';
import { vduAutoheal } from './policy-actions/vdu-autoheal.js';
import { db } from './activities.js';

const ACTIONS: Record<PolicyActionInput['action'], (ctx: ActionContext) => Promise<ActionResult>> = {
  respawn,
  log,
  log_and_kill: logAndKill,
  vdu_autoheal: vduAutoheal,
};

export async function executePolicyAction(input: PolicyActionInput): Promise<PolicyActionOutcome> {
  const claim = await db.claimPolicyAction(input);
  if (claim.kind === 'recorded') return claim.outcome;
  if (claim.kind === 'bad_action') return { result: 'bad_action', detail: claim.detail };
  wfLog.info('policy action', { vnfId: input.vnfId, action: input.action, episode: input.episode });
  const { outcome, recreated } = await ACTIONS[input.action]({ input, claim });
  await db.completePolicyAction({ executionId: claim.executionId, outcome, recreated });
  return outcome;
}
