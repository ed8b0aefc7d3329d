// A held destructive action, released (by an operator, the auto-release
// setting, or because its scope recovered and it still fails): it runs now as
// the monitor asked, with guards and staleness judged afresh, through the
// recreation limits; the monitor hears the new set from the action itself.
import { ACTIONS } from './policy-actions/index.js';
import { phase } from './policy-actions/heal-gate.js';
import { staleResult } from './policy-actions/stale.js';
import type { ActionContext } from './policy-actions/context.js';
import { db } from './activities.js';

export async function releasedActionWorkflow(executionId: string): Promise<string> {
  const r = await db.reclaimHeldAction(executionId);
  if (!r.run) return `not run: ${r.reason}`;
  const ctx: ActionContext = { input: r.input, claim: r.claim, v2: true, gated: true };
  const { outcome, recreated } = r.claim.stale ? await staleResult(ctx) : await ACTIONS[r.input.action](ctx);
  await db.completePolicyAction({ executionId, outcome, recreated });
  if (outcome.result !== 'ok')
    await phase(
      ctx,
      `released action ended: ${outcome.result}: ${'detail' in outcome ? outcome.detail : ''}`,
    );
  return `${outcome.result}: ${'detail' in outcome ? outcome.detail : ''}`;
}
