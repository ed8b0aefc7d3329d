// scale: only from ACTIVE; PENDING_SCALE_OUT/IN → add or remove `increment`
// instances of the policy's targets within min..max → ACTIVE → the monitor
// gets the new set. Scale in takes instances out of the monitored set before
// deleting them, so their removal is never seen as a failure.
import { patched, uuid4 } from '@temporalio/workflow';
import type { LifecycleResult, ScaleVnfInput } from '../contract.js';
import { answerAcceptance } from './acceptance.js';
import { db, vim } from './activities.js';
import { allOf, failureMessage } from './instance-steps.js';
import { SETTLE_SIBLINGS } from './patches.js';
import { updateMonitor } from './monitor-signals.js';

export async function scaleVnfWorkflow(input: ScaleVnfInput): Promise<LifecycleResult> {
  const { vnfId } = input;
  const settle = patched(SETTLE_SIBLINGS);
  const answer = answerAcceptance();
  const { acceptance, plan } = await db.claimScale(input);
  answer(acceptance);
  if (!acceptance.accepted || !plan)
    return { vnfId, status: 'REFUSED', detail: acceptance.accepted ? '' : acceptance.message };

  try {
    if (input.type === 'out') {
      await allOf(
        plan.add.map((a) => vim.bootInstance({ vnfId, instanceId: uuid4(), ...a })),
        settle,
      );
    } else {
      await db.retireInstances({ vnfId, instanceIds: plan.remove });
      await updateMonitor(vnfId);
      await allOf(
        plan.remove.map((instanceId) => vim.deleteInstance({ instanceId })),
        settle,
      );
    }
  } catch (err) {
    const reason = failureMessage(err);
    await db.bumpMonitorGeneration(vnfId);
    await updateMonitor(vnfId);
    await db.setVnfStatus({
      vnfId,
      status: 'ERROR',
      errorReason: `scale ${input.type} failed: ${reason}`,
      event: { type: 'SCALE', state: 'ERROR', message: `scale ${input.type} failed: ${reason}` },
    });
    return { vnfId, status: 'ERROR', detail: reason };
  }
  const count = input.type === 'out' ? plan.add.length : plan.remove.length;
  if (input.type === 'out') {
    await db.bumpMonitorGeneration(vnfId);
    await updateMonitor(vnfId);
  }
  // ACTIVE is the last step: a client that sees it can act on the VNF at once.
  await db.setVnfStatus({
    vnfId,
    status: 'ACTIVE',
    event: {
      type: 'SCALE',
      state: 'ACTIVE',
      message: `scaled ${input.type} by ${input.policy}: ${input.type === 'out' ? 'added' : 'removed'} ${count} instance(s)`,
      details: { policy: input.policy, type: input.type },
    },
  });
  return { vnfId, status: 'ACTIVE', detail: `scaled ${input.type}` };
}
