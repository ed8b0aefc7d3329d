// A failure seen on an instance that has since gone (scale in, heal, respawn)
// is not acted on: the monitor gets the current set and judges it afresh.
import { db } from '../activities.js';
import type { ActionContext, ActionResult } from './context.js';

export async function staleResult(ctx: ActionContext): Promise<ActionResult> {
  const set = await db.monitorSet(ctx.input.vnfId);
  return {
    outcome: {
      result: 'stale',
      generation: set.generation,
      vdus: set.vdus,
      detail: `not acted on: ${ctx.input.vduName} instance ${ctx.input.instanceId} (${ctx.input.ip}) is no longer in the VNF's monitored set as the monitor saw it (generation ${ctx.input.generation} → ${set.generation})`,
    },
    recreated: false,
  };
}
