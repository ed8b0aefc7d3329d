// log_and_kill: MONITOR event, VNF → DEAD, then delete the VNF (its VIM
// resources too) under its lifecycle id; the monitor completes.
import { deleteVnfWorkflow } from '../delete-vnf.js';
import { underVnfLock } from '../vnf-lock.js';
import {
  claimForAction,
  describeFailure,
  heldByStatus,
  holdResult,
  type ActionContext,
  type ActionResult,
} from './context.js';
import { staleResult } from './stale.js';

export async function logAndKill(ctx: ActionContext): Promise<ActionResult> {
  const { vnfId } = ctx.input;
  if (ctx.claim.stale) return staleResult(ctx);
  const held = await heldByStatus(ctx);
  if (held) return held;
  const claimed = await claimForAction(
    ctx,
    'DEAD',
    `VNF is DEAD: ${describeFailure(ctx.input)}; deleting it (log_and_kill)`,
  );
  if (claimed === 'stale') return staleResult(ctx);
  if (claimed === 'hold')
    return holdResult(ctx, 'the VNF is ERROR: no log_and_kill until it is ACTIVE again');
  if (claimed !== 'claimed')
    return { outcome: { result: 'bad_action', detail: claimed.refused }, recreated: false };
  const r = await underVnfLock(deleteVnfWorkflow, vnfId, [
    { vnfId, force: false, requestedBy: 'log_and_kill' },
  ]);
  return {
    outcome: { result: 'stop', detail: `log_and_kill: VNF ${r.status === 'DELETED' ? 'deleted' : r.detail}` },
    recreated: false,
  };
}
