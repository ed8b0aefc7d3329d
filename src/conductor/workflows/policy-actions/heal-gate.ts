// The healing gate (docs/monitoring.md, "Healing safety"), workflow side: a
// destructive action first waits one probe period (failures with a common
// cause are all reported meanwhile), has the conductor probe the target
// itself, and then looks for a correlated failure of its VIM or reporting
// worker; and a recreation waits for a slot under the limits. The monitor
// hears where its action stands (actionPhase) and shows it in its status.
import {
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  sleep,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  controlQueueOf,
  monitorWorkflowId,
  SIGNAL_ACTION_PHASE,
  type ActionPhaseSignal,
  type MonitorActivities,
} from '../../../monitoring/contract.js';
import type { ConductorActivities } from '../../activities/index.js';
import { HEAL_HOLD_WORKFLOW, healHoldWorkflowId } from '../../contract.js';
import { db, localDb } from '../activities.js';
import type { ActionContext, ActionResult } from './context.js';

/** The conductor's own probe: a round lasts at most (count − 1) × interval + timeout. */
const probe = proxyActivities<ConductorActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/** Tells the monitor where its action stands; a monitor that is gone is no reason to fail. */
export async function phase(ctx: ActionContext, text: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(monitorWorkflowId(ctx.input.vnfId)).signal<[ActionPhaseSignal]>(
      SIGNAL_ACTION_PHASE,
      { actionId: ctx.input.actionId, episode: ctx.input.episode, phase: text },
    );
  } catch {
    // no running monitor: nothing to tell
  }
}

/** undefined: act. Otherwise the answer for the monitor (unconfirmed, or deferred into a hold). */
export async function healGate(ctx: ActionContext): Promise<ActionResult | undefined> {
  const steps = ctx.lean ? localDb : db;
  const settings = await steps.healSettings();
  const { input, claim } = ctx;
  if (settings.confirm) {
    const wait = confirmWait(ctx, input.policy.parameters.period * 1000 + settings.confirmSlackMs);
    // A late report is answered within one probe round: telling its monitor first would cost
    // a signal and a workflow task on each side, for each of a storm's hundreds of reports.
    if (wait > 0 || !ctx.lean) await phase(ctx, 'confirming the failure from the conductor');
    if (wait > 0) await sleep(wait);
    const c = await probe.confirmFailure({
      executionId: claim.executionId,
      vnfId: input.vnfId,
      instanceId: input.instanceId,
      ip: input.ip,
      policy: input.policy,
      ...(input.vantage ? { reportedBy: input.vantage.taskQueue } : {}),
    });
    if (!c.confirmed) {
      // Peers failing too: correlated by the conductor's own probes, so held with its VIM as soon
      // as the reports make a hold (they count this one); until then not acted on, asked again.
      const held = c.peersFailing ? await correlate(ctx, steps) : undefined;
      if (held) return held;
      if (c.quarantine && input.vantage) await quarantine(input.vantage.taskQueue, c.quarantine);
      return {
        outcome: {
          result: 'unconfirmed',
          detail: c.detail,
          retryAfterMs: Math.max(30_000, settings.holdWindowMs),
        },
        recreated: false,
      };
    }
  }
  return correlate(ctx, steps);
}

/** A correlated failure of the action's VIM or worker (or an open hold of either) defers it into the hold. */
async function correlate(ctx: ActionContext, steps: typeof db): Promise<ActionResult | undefined> {
  const h = await steps.correlateFailure({
    executionId: ctx.claim.executionId,
    ...(ctx.input.vantage ? { vantageVnfs: ctx.input.vantage.vnfs } : {}),
  });
  if (!h.held) return undefined;
  if (h.opened) await startCoordinator(h.holdId);
  return { outcome: { result: 'deferred', detail: h.detail, holdId: h.holdId }, recreated: false };
}

/**
 * How long to wait before confirming: the delay lets failures with a common cause all be
 * reported first, and it counts from the monitor's failed probe. A report that reaches us
 * later (a monitor backlog after a blip) has waited that long already.
 */
function confirmWait(ctx: ActionContext, delayMs: number): number {
  const at = ctx.input.monitorResult.lastProbeAt;
  const probedAt = at === undefined ? NaN : Date.parse(at);
  if (!ctx.lean || Number.isNaN(probedAt)) return delayMs;
  return Math.min(delayMs, Math.max(0, probedAt + delayMs - Date.now()));
}

/** Waits, durably, until a recreation slot is free under the per-VIM and fleet limits. */
export async function recreationSlot(ctx: ActionContext): Promise<void> {
  if (!ctx.gated) return;
  let told = false;
  for (;;) {
    const r = await db.acquireRecreationSlot({ executionId: ctx.claim.executionId, vnfId: ctx.input.vnfId });
    if (r.granted) {
      if (told) await phase(ctx, 'recreating');
      return;
    }
    if (!told) await phase(ctx, r.detail);
    told = true;
    await sleep('2 seconds');
  }
}

async function startCoordinator(holdId: string): Promise<void> {
  try {
    await startChild(HEAL_HOLD_WORKFLOW, {
      workflowId: healHoldWorkflowId(holdId),
      args: [holdId],
      // The hold outlives the action that opened it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** Hands the reporting worker's loops to the others (its control queue takes the word at once). */
async function quarantine(loopQueue: string, q: { untilMs: number; reason: string }): Promise<void> {
  const { controlProbeLoop } = proxyActivities<MonitorActivities>({
    taskQueue: controlQueueOf(loopQueue),
    scheduleToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 2, initialInterval: '200 milliseconds' },
  });
  await controlProbeLoop({ loopId: '', command: 'quarantine', untilMs: q.untilMs, reason: q.reason }).catch(
    () => false,
  );
}
