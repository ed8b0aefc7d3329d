// Patch ids of changes to conductor workflow code that running workflows
// could replay (docs/development.md: how to change workflow code). Each stays
// until no run that started before it can exist, then becomes deprecatePatch
// and is finally removed.

/**
 * 2026-12: policy actions answer `hold` (VNF in ERROR) and `stale` instead of
 * bad_action/stop, vdu_autoheal waits out another operation instead of giving
 * up, and a recreation tells the monitor its new set itself.
 */
export const POLICY_ACTION_V2 = 'policy-action-v2';

/** 2026-12: a VNF update (PUT) bumps the monitor generation and updates the monitor. */
export const UPDATE_VNF_UPDATES_MONITOR = 'update-vnf-updates-monitor';

/**
 * 2026-12: destructive policy actions pass the healing gate (confirmation from
 * the conductor, correlated-failure holds) and a limit on recreations in flight.
 */
export const HEAL_GATE = 'heal-gate';

/**
 * 2026-12: the create workflow's reads and idempotent database steps run as
 * local activities (activities.ts localDb): fewer history events, RPCs and
 * workflow tasks per VNF.
 */
export const LOCAL_DB_STEPS = 'local-db-steps';

/**
 * 2026-12: steps run side by side on a VNF's instances (boots, deletes) all
 * settle before the workflow goes on, so a failure's cleanup never races with
 * sibling boots still running (Promise.allSettled instead of Promise.all).
 */
export const SETTLE_SIBLINGS = 'settle-siblings';

/**
 * 2026-12: a create records its run as the owner of the VNF's lifecycle step
 * (vnfs.lifecycle_run), so the reconciliation settles a create that ended
 * without finishing instead of booting it again.
 */
export const CREATE_CLAIMS_RUN = 'create-claims-run';

/**
 * 2026-12: one patch for a create that does everything the three patches above
 * stand for (SETTLE_SIBLINGS, CREATE_CLAIMS_RUN, LOCAL_DB_STEPS) — each patch
 * costs a marker and a search-attribute upsert per run — and whose last steps
 * (monitor start, ACTIVE) run as local activities in the boot's workflow task.
 */
export const CREATE_LEAN = 'create-lean';

/**
 * 2026-12: a policy action that implies POLICY_ACTION_V2 and HEAL_GATE (one patch marker
 * and search-attribute upsert instead of two), runs its record and gate steps (claim,
 * settings, correlation, completion) as local activities, and does not wait out the
 * confirmation delay again for a report whose probe is already that old (a monitor's
 * backlog after a blip). The hot path of a storm: hundreds of late reports per 1,000 VNFs.
 */
export const POLICY_ACTION_LEAN = 'policy-action-lean';
