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
import type { ActionContext } from './policy-actions/context.js';
import { healGate } from './policy-actions/heal-gate.js';
import { ACTIONS, DESTRUCTIVE } from './policy-actions/index.js';
import { db, localDb } from './activities.js';
import { HEAL_GATE, POLICY_ACTION_LEAN, POLICY_ACTION_V2 } from './patches.js';

export async function executePolicyAction(input: PolicyActionInput): Promise<PolicyActionOutcome> {
  // POLICY_ACTION_LEAN implies the two older patches; runs started before it replay them.
  const lean = patched(POLICY_ACTION_LEAN);
  const v2 = lean || patched(POLICY_ACTION_V2);
  const gated = lean || patched(HEAL_GATE);
  const records = lean ? localDb : db;
  const claim = await records.claimPolicyAction(input);
  if (claim.kind === 'recorded') return forCaller(input, claim.outcome);
  if (claim.kind === 'bad_action') return { result: 'bad_action', detail: claim.detail };
  // The monitor takes the next episode number and asks again.
  if (claim.kind === 'taken') throw ApplicationFailure.nonRetryable(claim.detail, EPISODE_TAKEN);
  wfLog.info('policy action', { vnfId: input.vnfId, action: input.action, episode: input.episode });
  const ctx: ActionContext = { input, claim, v2, gated, lean };
  // A destructive action on evidence the manager's own faults could explain waits or does nothing.
  const gate =
    gated && DESTRUCTIVE.includes(input.action) && !claim.stale && claim.status !== 'ERROR'
      ? await healGate(ctx)
      : undefined;
  const { outcome, recreated } = gate ?? (await ACTIONS[input.action](ctx));
  await records.completePolicyAction({ executionId: claim.executionId, outcome, recreated });
  return forCaller(input, outcome);
}

/**
 * Answers in the caller's terms. A legacy monitor knows only ok, bad_action and stop; one of
 * protocol 2 not deferred and unconfirmed: for both, ok keeps the episode open until recovery.
 */
function forCaller(input: PolicyActionInput, outcome: PolicyActionOutcome): PolicyActionOutcome {
  if (input.protocol === 3) return outcome;
  if (outcome.result === 'deferred' || outcome.result === 'unconfirmed')
    return { result: 'ok', generation: input.generation, vdus: [], detail: outcome.detail };
  if (input.protocol === 2) return outcome;
  if (outcome.result === 'stale')
    return { result: 'ok', generation: outcome.generation, vdus: outcome.vdus, detail: outcome.detail };
  if (outcome.result === 'hold') return { result: 'stop', detail: outcome.detail };
  return outcome;
}
