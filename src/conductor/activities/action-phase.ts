// Telling monitors where their held actions stand (the actionPhase signal),
// for the hold coordinator and the monitor resync alike. `answered` ends a
// held episode: the conductor saw the target answer and takes no action, and
// a target that still fails from the monitor's vantage is judged afresh.
import type { Client } from '@temporalio/client';
import { monitorWorkflowId, SIGNAL_ACTION_PHASE, type ActionPhaseSignal } from '../../monitoring/contract.js';
import { inBatches } from './in-batches.js';

/** The phase of a held action whose target answered the conductor's probe. */
export const ANSWERED_PHASE = "answers the conductor's probe again: no action for this failure";

/** Signals to monitors in flight at once: a hold can have thousands of members. */
const SIGNALS_AT_ONCE = 64;

/** Tells each member's monitor `phase`; a monitor that is gone is skipped. */
export async function tellActionPhase(
  client: Client,
  members: { vnfId: string; actionId: string; episode: number }[],
  phase: string,
  answered = false,
): Promise<void> {
  await inBatches(members, SIGNALS_AT_ONCE, (m) =>
    client.workflow
      .getHandle(monitorWorkflowId(m.vnfId))
      .signal(SIGNAL_ACTION_PHASE, {
        actionId: m.actionId,
        episode: m.episode,
        phase,
        ...(answered ? { answered: true } : {}),
      } satisfies ActionPhaseSignal)
      .catch(() => undefined),
  );
}
