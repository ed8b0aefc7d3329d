// A VIM that cannot recreate instances (static hosts) gets a clear event
// instead of a pretend respawn; the failure is then only logged.
import { db } from '../activities.js';
import { describeFailure, evidence, type ActionContext, type ActionResult } from './context.js';

export async function refuseRecreate(ctx: ActionContext): Promise<ActionResult> {
  await db.writeEvent({
    vnfId: ctx.input.vnfId,
    event: {
      type: 'MONITOR',
      state: ctx.claim.status,
      message: `${ctx.input.action} refused: the VNF's VIM cannot recreate instances; failure logged only: ${describeFailure(ctx.input)}`,
      details: evidence(ctx.input),
    },
  });
  return {
    outcome: {
      result: 'ok',
      generation: ctx.input.generation,
      vdus: [],
      detail: `${ctx.input.action} refused by the VIM`,
    },
    recreated: false,
  };
}
