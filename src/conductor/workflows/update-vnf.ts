// update (PUT /v1.0/vnfs/{id}): ACTIVE → PENDING_UPDATE → new config /
// param_values stored → ACTIVE, and the monitor gets the set under a new
// generation. vnfm also accepts it on an ERROR VNF: the operator's word that
// the cause is fixed, after which the monitor acts again.
import { patched } from '@temporalio/workflow';
import type { LifecycleResult, UpdateVnfInput } from '../contract.js';
import { answerAcceptance } from './acceptance.js';
import { db } from './activities.js';
import { updateMonitor } from './monitor-signals.js';
import { UPDATE_VNF_UPDATES_MONITOR } from './patches.js';

export async function updateVnfWorkflow(input: UpdateVnfInput): Promise<LifecycleResult> {
  const { vnfId } = input;
  const v2 = patched(UPDATE_VNF_UPDATES_MONITOR);
  const answer = answerAcceptance();
  const acceptance = await db.claimVnf({
    vnfId,
    from: v2 ? ['ACTIVE', 'ERROR'] : ['ACTIVE'],
    to: 'PENDING_UPDATE',
    operation: 'update',
    event: { type: 'UPDATE', state: 'PENDING_UPDATE', message: 'VNF update requested' },
  });
  answer(acceptance);
  if (!acceptance.accepted) return { vnfId, status: 'REFUSED', detail: acceptance.message };
  await db.updateVnfAttributes({ vnfId, attributes: input.attributes });
  await db.setVnfStatus({
    vnfId,
    status: 'ACTIVE',
    bumpGeneration: v2,
    event: { type: 'UPDATE', state: 'ACTIVE', message: 'VNF updated' },
  });
  if (v2) await updateMonitor(vnfId);
  return { vnfId, status: 'ACTIVE', detail: 'updated' };
}
