// vdu_autoheal: recreate only the failed instance (new id and IP at the same
// VDU slot) under the VNF's lifecycle id; the other VDUs' instances and
// targets are untouched. Subject to the same crash-loop guards as respawn.
// While another operation holds the VNF (a scale, another heal), it waits.
import { sleep } from '@temporalio/workflow';
import { db } from '../activities.js';
import { healVduWorkflow } from '../heal-vdu.js';
import { underVnfLock } from '../vnf-lock.js';
import {
  describeFailure,
  evidence,
  heldByStatus,
  holdResult,
  refusedResult,
  tellMonitor,
  type ActionContext,
  type ActionResult,
} from './context.js';
import { crashLoopGuard } from './crash-loop-guard.js';
import { recreationSlot } from './heal-gate.js';
import { refuseRecreate } from './refuse-recreate.js';
import { staleResult } from './stale.js';

export async function vduAutoheal(ctx: ActionContext): Promise<ActionResult> {
  const { vnfId, instanceId } = ctx.input;
  if (ctx.claim.stale) return staleResult(ctx);
  const held = await heldByStatus(ctx);
  if (held) return held;
  if (!(await db.canRecreate(vnfId))) return refuseRecreate(ctx);
  const stopped = await crashLoopGuard(ctx);
  if (stopped) return stopped;
  await recreationSlot(ctx);
  for (;;) {
    const r = await underVnfLock(healVduWorkflow, vnfId, [
      { vnfId, instanceId, reason: describeFailure(ctx.input), details: evidence(ctx.input) },
    ]);
    if (r.status === 'ACTIVE' && r.generation !== undefined && r.vdus) {
      await tellMonitor(ctx);
      return {
        outcome: { result: 'ok', generation: r.generation, vdus: r.vdus, detail: r.detail },
        recreated: true,
      };
    }
    if (r.status !== 'REFUSED') {
      if (ctx.v2) return holdResult(ctx, `heal ended in ${r.status}: ${r.detail}`, true);
      return {
        outcome: { result: 'stop', detail: `heal ended in ${r.status}: ${r.detail}` },
        recreated: true,
      };
    }
    if (!ctx.v2) {
      // Another operation changed the VNF meanwhile (e.g. a scale): judge afresh.
      const set = await db.monitorSet(vnfId);
      if (set.generation > ctx.input.generation) return staleResult(ctx);
      return { outcome: { result: 'bad_action', detail: r.detail }, recreated: false };
    }
    // Not ACTIVE: another operation runs (wait for it), or the VNF is gone or in ERROR.
    const status = await db.getVnfStatus(vnfId);
    const busy =
      status && !status.deleted && (status.status.startsWith('PENDING_') || status.status === 'DEAD');
    if (!busy) return refusedResult(ctx, r.detail);
    if (!(await db.instanceIsLive(ctx.input))) return staleResult(ctx);
    await sleep('2 seconds');
  }
}
