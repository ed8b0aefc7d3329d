// Applies the respawn guards before a recreating action: past the limit the
// VNF goes to ERROR and the monitor holds (watches, does not act) until an
// operator makes it ACTIVE again; otherwise wait out the back-off.
import { sleep } from '@temporalio/workflow';
import { db } from '../activities.js';
import { evidence, holdResult, type ActionContext, type ActionResult } from './context.js';
import { guard } from './guards.js';

/** Returns a final result when the guard stops the action, else undefined after any back-off. */
export async function crashLoopGuard(ctx: ActionContext): Promise<ActionResult | undefined> {
  const lastAt = ctx.claim.lastRecreationAt ? Date.parse(ctx.claim.lastRecreationAt) : undefined;
  const verdict = guard(ctx.input.policy, ctx.claim.recentRecreations, lastAt, Date.now());
  if (verdict.limitReached) {
    await db.setVnfStatus({
      vnfId: ctx.input.vnfId,
      status: 'ERROR',
      errorReason: verdict.reason,
      event: {
        type: 'MONITOR',
        state: 'ERROR',
        message: `${ctx.input.action} stopped: ${verdict.reason}; the VNF needs an operator`,
        details: { ...evidence(ctx.input), guard: 'respawn_limit' },
      },
    });
    if (ctx.v2) return holdResult(ctx, verdict.reason);
    return { outcome: { result: 'stop', detail: verdict.reason }, recreated: false };
  }
  if (verdict.backoffMs > 0) {
    await db.writeEvent({
      vnfId: ctx.input.vnfId,
      event: {
        type: 'MONITOR',
        state: 'DEAD',
        message: `${ctx.input.action} in ${Math.round(verdict.backoffMs / 1000)} s: ${verdict.reason}`,
        details: { ...evidence(ctx.input), guard: 'backoff', backoff_ms: verdict.backoffMs },
      },
    });
    await sleep(verdict.backoffMs);
  }
  return undefined;
}
