// respawn: VNF → DEAD (MONITOR event with the probe evidence) → guards →
// recreate all of its instances under the VNF's lifecycle id → ACTIVE with
// new management IPs; the monitor carries on with them after monitoring_delay.
import { db } from '../activities.js';
import { respawnVnfWorkflow } from '../respawn-vnf.js';
import { underVnfLock } from '../vnf-lock.js';
import {
  claimForAction,
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

export async function respawn(ctx: ActionContext): Promise<ActionResult> {
  const { vnfId } = ctx.input;
  if (ctx.claim.stale) return staleResult(ctx);
  const held = await heldByStatus(ctx);
  if (held) return held;
  if (!(await db.canRecreate(vnfId))) return refuseRecreate(ctx);
  const stopped = await crashLoopGuardFirst(ctx);
  if (stopped) return stopped;
  const claimed = await claimForAction(
    ctx,
    'DEAD',
    `VNF is DEAD: ${describeFailure(ctx.input)}; respawning`,
    ['ACTIVE', 'DEAD'],
  );
  if (claimed === 'stale') return staleResult(ctx);
  if (claimed === 'hold') return holdResult(ctx, `the VNF is ERROR: no respawn until it is ACTIVE again`);
  if (claimed !== 'claimed')
    return { outcome: { result: 'bad_action', detail: claimed.refused }, recreated: false };
  const backedOff = await crashLoopGuard(ctx);
  if (backedOff) return backedOff;
  await recreationSlot(ctx);
  const r = await underVnfLock(respawnVnfWorkflow, vnfId, [
    { vnfId, reason: describeFailure(ctx.input), details: evidence(ctx.input) },
  ]);
  if (r.status === 'ACTIVE' && r.generation !== undefined && r.vdus) {
    await tellMonitor(ctx);
    return {
      outcome: { result: 'ok', generation: r.generation, vdus: r.vdus, detail: r.detail },
      recreated: true,
    };
  }
  if (r.status === 'REFUSED') return refusedResult(ctx, r.detail);
  if (ctx.v2) return holdResult(ctx, `respawn ended in ${r.status}: ${r.detail}`, true);
  return {
    outcome: { result: 'stop', detail: `respawn ended in ${r.status}: ${r.detail}` },
    recreated: true,
  };
}

/** The limit is checked before the VNF is marked DEAD, so a stopped crash loop ends in ERROR only. */
async function crashLoopGuardFirst(ctx: ActionContext): Promise<ActionResult | undefined> {
  if (ctx.claim.recentRecreations < ctx.input.policy.parameters.respawn_limit) return undefined;
  return crashLoopGuard(ctx);
}
