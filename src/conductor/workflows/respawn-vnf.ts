// respawn (the monitor's respawn action, under the VNF's lifecycle id):
// DEAD → recreate all of the VNF's instances (new ids, new management IPs) →
// ACTIVE, or ERROR with the resources cleaned up.
import { patched } from '@temporalio/workflow';
import type { MonitoredVdu } from '../../monitoring/contract.js';
import type { LifecycleResult } from '../contract.js';
import { db } from './activities.js';
import { deleteAllInstances, failureMessage, recreateInstances } from './instance-steps.js';
import { SETTLE_SIBLINGS } from './patches.js';

export interface RecreateInput {
  vnfId: string;
  /** Why, for the events (the probe evidence). */
  reason: string;
  details: Record<string, unknown>;
}

export interface RecreateResult extends LifecycleResult {
  generation?: number;
  vdus?: MonitoredVdu[];
}

export async function respawnVnfWorkflow(input: RecreateInput): Promise<RecreateResult> {
  const { vnfId } = input;
  const settle = patched(SETTLE_SIBLINGS);
  const claim = await db.claimVnf({
    vnfId,
    from: ['DEAD'],
    to: 'DEAD',
    operation: 'respawn',
    event: {
      type: 'MONITOR',
      state: 'DEAD',
      message: `respawning VNF: ${input.reason}`,
      details: input.details,
    },
  });
  if (!claim.accepted) return { vnfId, status: 'REFUSED', detail: claim.message };
  const old = await db.liveInstances(vnfId);
  try {
    await recreateInstances(vnfId, old, settle);
  } catch (err) {
    const reason = failureMessage(err);
    await deleteAllInstances(vnfId, settle);
    await db.setVnfStatus({
      vnfId,
      status: 'ERROR',
      errorReason: `respawn failed: ${reason}`,
      bumpGeneration: true,
      event: {
        type: 'MONITOR',
        state: 'ERROR',
        message: `respawn failed: ${reason}`,
        details: input.details,
      },
    });
    return { vnfId, status: 'ERROR', detail: reason };
  }
  const { generation } = await db.setVnfStatus({
    vnfId,
    status: 'ACTIVE',
    bumpGeneration: true,
    event: {
      type: 'MONITOR',
      state: 'ACTIVE',
      message: `VNF respawned: ${old.length} instance(s) recreated`,
      details: { ...input.details, replaced: old.map((i) => ({ instance_id: i.instanceId, ip: i.mgmtIp })) },
    },
  });
  const set = await db.monitorSet(vnfId);
  return { vnfId, status: 'ACTIVE', detail: 'respawned', generation, vdus: set.vdus };
}
