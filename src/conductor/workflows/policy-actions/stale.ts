// A failure seen on a monitored set that has since changed (scale, heal,
// respawn) is not acted on: the monitor gets the current set and judges it afresh.
import { db } from '../activities.js';
import type { ActionContext, ActionResult } from './context.js';

export async function staleResult(ctx: ActionContext): Promise<ActionResult> {
  const set = await db.monitorSet(ctx.input.vnfId);
  return {
    outcome: {
      result: 'ok',
      generation: set.generation,
      vdus: set.vdus,
      detail: `not acted on: the monitored set changed (generation ${ctx.input.generation} → ${set.generation}) since the failure was seen`,
    },
    recreated: false,
  };
}
