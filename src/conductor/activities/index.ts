// All activities of the conductor worker. They are the only code that writes
// the database on behalf of workflows.
import type { Client } from '@temporalio/client';
import type { TemporalConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { VimLog } from '../../vim/netns.js';
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
}

export function createConductorActivities(deps: ConductorDeps) {
  const monitor = monitorSetupActivities(deps.db, deps.client, deps.temporal);
  return heartbeating({
    ...vnfRecordActivities(deps.db),
    ...instanceActivities(deps.db, deps.vimLog),
    ...scalingActivities(deps.db),
    ...monitor,
    ...policyActionRecordActivities(deps.db, monitor.monitorSet),
  });
}

export type ConductorActivities = ReturnType<typeof createConductorActivities>;
