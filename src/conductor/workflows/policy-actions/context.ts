// What every policy action gets, and the steps they share. Workflow code.
import { sleep } from '@temporalio/workflow';
import type { PolicyActionInput, PolicyActionOutcome } from '../../../monitoring/contract.js';
import type { PolicyActionClaim } from '../../activities/policy-action-records.js';
import { db } from '../activities.js';

export type RunClaim = Extract<PolicyActionClaim, { kind: 'run' }>;

export interface ActionContext {
  input: PolicyActionInput;
  claim: RunClaim;
}

export interface ActionResult {
  outcome: PolicyActionOutcome;
  /** Whether instances were recreated (counts towards the respawn guards). */
  recreated: boolean;
}

/** The probe evidence every action's events carry. */
export function evidence(input: PolicyActionInput): Record<string, unknown> {
  const m = input.monitorResult;
  return {
    action: input.action,
    episode: input.episode,
    vdu: input.vduName,
    instance_id: input.instanceId,
    target: m.target,
    driver: m.driver,
    consecutive_failures: m.consecutiveFailures,
    last_error: m.lastError ?? null,
    last_probe_at: m.lastProbeAt ?? null,
  };
}

export function describeFailure(input: PolicyActionInput): string {
  const m = input.monitorResult;
  return `${input.vduName} ${m.target} failed ${m.consecutiveFailures} ${m.driver} round(s)${m.lastError ? ` (${m.lastError})` : ''}`;
}

/**
 * Moves the VNF from ACTIVE to `to` for an action. While an operation holds
 * the VNF (PENDING_*), waits; if the monitored set moved on meanwhile, the
 * failure is stale. Returns 'claimed', 'stale' or why it cannot act.
 */
export async function claimForAction(
  ctx: ActionContext,
  to: 'DEAD' | 'ERROR',
  message: string,
  from: ('ACTIVE' | 'DEAD')[] = ['ACTIVE'],
): Promise<'claimed' | 'stale' | { refused: string }> {
  for (;;) {
    const r = await db.claimVnf({
      vnfId: ctx.input.vnfId,
      from,
      to,
      operation: ctx.input.action,
      event: { type: 'MONITOR', state: to, message, details: evidence(ctx.input) },
    });
    if (r.accepted) return 'claimed';
    if (r.reason === 'not_found') return { refused: r.message };
    const status = await db.getVnfStatus(ctx.input.vnfId);
    if (!status || status.deleted) return { refused: `VNF ${ctx.input.vnfId} no longer exists` };
    if (!status.status.startsWith('PENDING_')) return { refused: r.message };
    const set = await db.monitorSet(ctx.input.vnfId);
    if (set.generation > ctx.input.generation) return 'stale';
    await sleep('2 seconds');
  }
}
