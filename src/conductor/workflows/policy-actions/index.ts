// The policy actions by name, and which of them destroy something (those pass
// the healing gate and, when they recreate, the recreation limits).
import type { PolicyActionName } from '../../../monitoring/policy.js';
import type { ActionContext, ActionResult } from './context.js';
import { log } from './log.js';
import { logAndKill } from './log-and-kill.js';
import { respawn } from './respawn.js';
import { vduAutoheal } from './vdu-autoheal.js';

export const ACTIONS: Record<PolicyActionName, (ctx: ActionContext) => Promise<ActionResult>> = {
  respawn,
  log,
  log_and_kill: logAndKill,
  vdu_autoheal: vduAutoheal,
};

/** `log` is never held: it changes nothing. */
export const DESTRUCTIVE: readonly PolicyActionName[] = ['respawn', 'vdu_autoheal', 'log_and_kill'];
