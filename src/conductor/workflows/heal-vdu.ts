// heal one VDU instance (the monitor's vdu_autoheal action, under the VNF's
// lifecycle id): ACTIVE → PENDING_HEAL → recreate that instance only →
// ACTIVE; the other instances keep running untouched.
import { patched } from '@temporalio/workflow';
import { db } from './activities.js';
import { failureMessage, recreateInstances } from './instance-steps.js';
import { SETTLE_SIBLINGS } from './patches.js';
import type { RecreateInput, RecreateResult } from './respawn-vnf.js';

export async function healVduWorkflow(
  input: RecreateInput & { instanceId: string },
): Promise<RecreateResult> {
  const { vnfId } = input;
  const settle = patched(SETTLE_SIBLINGS);
  const claim = await db.claimVnf({
    vnfId,
    from: ['ACTIVE'],
    to: 'PENDING_HEAL',
    operation: 'heal',
    event: {
      type: 'HEAL',
      state: 'PENDING_HEAL',
      message: `healing: ${input.reason}`,
      details: input.details,
    },
  });
  if (!claim.accepted) return { vnfId, status: 'REFUSED', detail: claim.message };
  const failed = (await db.liveInstances(vnfId)).filter((i) => i.instanceId === input.instanceId);
  try {
    await recreateInstances(vnfId, failed, settle);
  } catch (err) {
    const reason = failureMessage(err);
    await db.setVnfStatus({
      vnfId,
      status: 'ERROR',
      errorReason: `heal failed: ${reason}`,
      bumpGeneration: true,
      event: { type: 'HEAL', state: 'ERROR', message: `heal failed: ${reason}`, details: input.details },
    });
    return { vnfId, status: 'ERROR', detail: reason };
  }
  const { generation } = await db.setVnfStatus({
    vnfId,
    status: 'ACTIVE',
    bumpGeneration: true,
    event: {
      type: 'HEAL',
      state: 'ACTIVE',
      message: failed.length
        ? `healed ${failed[0]!.vduName} instance ${failed[0]!.index} (was ${failed[0]!.mgmtIp})`
        : 'nothing to heal: the instance was already gone',
      details: input.details,
    },
  });
  const set = await db.monitorSet(vnfId);
  return { vnfId, status: 'ACTIVE', detail: 'healed', generation, vdus: set.vdus };
}
