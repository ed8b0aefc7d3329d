// delete: → PENDING_DELETE → kill the monitor → delete VIM resources →
// soft-delete the row. PENDING_CREATE/UPDATE/HEAL are refused (as Tacker);
// an admin force delete works from any state.
import type { DeleteVnfInput, LifecycleResult, VnfStatus } from '../contract.js';
import { patched } from '@temporalio/workflow';
import { answerAcceptance } from './acceptance.js';
import { db } from './activities.js';
import { deleteAllInstances, failureMessage } from './instance-steps.js';
import { killMonitor } from './monitor-signals.js';
import { SETTLE_SIBLINGS } from './patches.js';

const DELETABLE: VnfStatus[] = ['ACTIVE', 'ERROR', 'DEAD', 'PENDING_DELETE'];

export async function deleteVnfWorkflow(input: DeleteVnfInput): Promise<LifecycleResult> {
  const { vnfId, force } = input;
  const settle = patched(SETTLE_SIBLINGS);
  const answer = answerAcceptance();
  const acceptance = await db.claimVnf({
    vnfId,
    from: force ? [] : DELETABLE,
    to: 'PENDING_DELETE',
    operation: 'delete',
    event: {
      type: 'DELETE',
      state: 'PENDING_DELETE',
      message: force
        ? `VNF force delete requested${input.requestedBy ? ` by ${input.requestedBy}` : ''}`
        : 'VNF delete requested',
    },
  });
  answer(acceptance);
  if (!acceptance.accepted) return { vnfId, status: 'REFUSED', detail: acceptance.message };

  const vnf = await db.getVnfStatus(vnfId);
  await killMonitor(vnfId, vnf?.monitorActionId ?? null);
  try {
    await deleteAllInstances(vnfId, settle);
  } catch (err) {
    const reason = failureMessage(err);
    await db.setVnfStatus({
      vnfId,
      status: 'ERROR',
      errorReason: `delete failed: ${reason}`,
      event: { type: 'DELETE', state: 'ERROR', message: `VNF delete failed: ${reason}` },
    });
    return { vnfId, status: 'ERROR', detail: reason };
  }
  await db.markVnfDeleted({ vnfId, event: { type: 'DELETE', state: 'DELETED', message: 'VNF deleted' } });
  return { vnfId, status: 'DELETED', detail: 'deleted' };
}
