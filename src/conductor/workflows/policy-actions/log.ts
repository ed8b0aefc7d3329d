// log: one MONITOR event per failure episode ("ActionLogOnly invoked", as
// Tacker), no change of state. The monitor keeps the episode open until the
// target recovers, so the event is not repeated every round.
import { db } from '../activities.js';
import { describeFailure, evidence, type ActionContext, type ActionResult } from './context.js';

export async function log(ctx: ActionContext): Promise<ActionResult> {
  await db.writeEvent({
    vnfId: ctx.input.vnfId,
    event: {
      type: 'MONITOR',
      state: ctx.claim.status,
      message: `ActionLogOnly invoked: ${describeFailure(ctx.input)}`,
      details: evidence(ctx.input),
    },
  });
  return {
    outcome: { result: 'ok', generation: ctx.input.generation, vdus: [], detail: 'failure logged' },
    recreated: false,
  };
}
