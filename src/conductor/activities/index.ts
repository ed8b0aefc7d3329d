// All activities of the conductor worker. They are the only code that writes
// the database on behalf of workflows.
import type { Client } from '@temporalio/client';
import { healSettings, type HealSettings, type TemporalConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { VimLog } from '../../vim/netns.js';
import { healGateActivities } from './heal-gate.js';
import { healHoldActivities } from './heal-holds.js';
import { heartbeating } from './heartbeat.js';
import { instanceActivities } from './vim-instances.js';
import { monitorSetupActivities } from './monitor-setup.js';
import { policyActionRecordActivities } from './policy-action-records.js';
import { scalingActivities } from './scaling.js';
import { vnfRecordActivities } from './vnf-records.js';

export interface ConductorDeps {
  db: Db;
  client: Client;
  temporal: TemporalConfig;
  vimLog?: VimLog;
  /** The healing gate's settings (default: from the environment). */
  heal?: HealSettings;
}

export function createConductorActivities(deps: ConductorDeps) {
  const monitor = monitorSetupActivities(deps.db, deps.client, deps.temporal);
  const heal = deps.heal ?? healSettings();
  return heartbeating({
    ...vnfRecordActivities(deps.db),
    ...instanceActivities(deps.db, deps.vimLog),
    ...scalingActivities(deps.db),
    ...monitor,
    ...policyActionRecordActivities(deps.db, monitor.monitorSet),
    ...healGateActivities(deps.db, deps.client, heal, deps.temporal.monitorTaskQueue),
    ...healHoldActivities(deps.db, deps.client, heal),
  });
}

export type ConductorActivities = ReturnType<typeof createConductorActivities>;
