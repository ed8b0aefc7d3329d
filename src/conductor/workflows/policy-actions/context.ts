// What every policy action gets, and the steps they share. Workflow code.
import { sleep } from '@temporalio/workflow';
import type { PolicyActionInput, PolicyActionOutcome } from '../../../monitoring/contract.js';
import type { PolicyActionClaim } from '../../activities/policy-action-records.js';
import { db } from '../activities.js';
import { updateMonitor } from '../monitor-signals.js';
import { staleResult } from './stale.js';

export type RunClaim = Extract<PolicyActionClaim, { kind: 'run' }>;

export interface ActionContext {
  input: PolicyActionInput;
  claim: RunClaim;
  /** The run follows the POLICY_ACTION_V2 behaviour (false only when replaying older runs). */
  v2: boolean;
  /** The run follows the HEAL_GATE behaviour: recreations wait for a slot. */
  gated?: boolean;
  /** The run follows POLICY_ACTION_LEAN: gate steps as local activities, no second confirmation wait. */
  lean?: boolean;
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

/** Not acted on: the VNF is not ACTIVE (ERROR). The monitor watches on and acts once it is. */
export async function holdResult(
  ctx: ActionContext,
  detail: string,
  recreated = false,
): Promise<ActionResult> {
  const set = await db.monitorSet(ctx.input.vnfId);
  return {
    outcome: { result: 'hold', generation: set.generation, vdus: set.vdus, detail, vnfStatus: set.vnfStatus },
    recreated,
  };
}

/** A VNF whose status is ERROR is the operator's: no action on it. */
export async function heldByStatus(ctx: ActionContext): Promise<ActionResult | undefined> {
  if (!ctx.v2 || ctx.claim.status !== 'ERROR') return undefined;
  return holdResult(ctx, `the VNF is ERROR: no ${ctx.input.action} until it is ACTIVE again`);
}

/**
 * An operation the action needed was refused: the VNF is gone (bad_action), in ERROR (hold),
 * or changed meanwhile by another operation (stale: judged afresh on the current set).
 */
export async function refusedResult(ctx: ActionContext, message: string): Promise<ActionResult> {
  if (!ctx.v2) return { outcome: { result: 'bad_action', detail: message }, recreated: false };
  const status = await db.getVnfStatus(ctx.input.vnfId);
  if (!status || status.deleted)
    return {
      outcome: { result: 'bad_action', detail: `VNF ${ctx.input.vnfId} no longer exists` },
      recreated: false,
    };
  if (status.status === 'ERROR') return holdResult(ctx, `the VNF is ERROR: ${message}`);
  return staleResult(ctx);
}

/** The recreation changed the monitored set: the monitor hears it from us, whoever runs it now. */
export async function tellMonitor(ctx: ActionContext): Promise<void> {
  if (ctx.v2) await updateMonitor(ctx.input.vnfId);
}

/**
 * Moves the VNF from ACTIVE to `to` for an action. While an operation holds
 * the VNF (PENDING_*), waits; if the failed instance is gone meanwhile, the
 * failure is stale. Returns 'claimed', 'stale', 'hold' (v2: the VNF is ERROR)
 * or why it cannot act.
 */
export async function claimForAction(
  ctx: ActionContext,
  to: 'DEAD' | 'ERROR',
  message: string,
  from: ('ACTIVE' | 'DEAD')[] = ['ACTIVE'],
): Promise<'claimed' | 'stale' | 'hold' | { refused: string }> {
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
    if (ctx.v2 && status.status === 'ERROR') return 'hold';
    if (!status.status.startsWith('PENDING_')) return { refused: r.message };
    if (ctx.v2) {
      if (!(await db.instanceIsLive(ctx.input))) return 'stale';
    } else {
      const set = await db.monitorSet(ctx.input.vnfId);
      if (set.generation > ctx.input.generation) return 'stale';
    }
    await sleep('2 seconds');
  }
}
