// update (PUT /v1.0/vnfs/{id}): ACTIVE → PENDING_UPDATE → new config /
// param_values stored → ACTIVE.
import type { LifecycleResult, UpdateVnfInput } from '../contract.js';
import { answerAcceptance } from './acceptance.js';
import { db } from './activities.js';

export async function updateVnfWorkflow(input: UpdateVnfInput): Promise<LifecycleResult> {
  const { vnfId } = input;
  const answer = answerAcceptance();
  const acceptance = await db.claimVnf({
    vnfId,
    from: ['ACTIVE'],
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
    event: { type: 'UPDATE', state: 'ACTIVE', message: 'VNF updated' },
  });
  return { vnfId, status: 'ACTIVE', detail: 'updated' };
}
