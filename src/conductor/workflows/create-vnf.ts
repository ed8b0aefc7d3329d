// create: PENDING_CREATE (written by the API) → boot every VDU's default
// instances → ACTIVE → start the monitor. Any failure → resources cleaned up,
// ERROR with the reason.
import { log, patched, uuid4 } from '@temporalio/workflow';
import type { CreateVnfInput, LifecycleResult } from '../contract.js';
import { answerAcceptance } from './acceptance.js';
import { db as remoteDb, localDb, vim } from './activities.js';
import { CREATE_CLAIMS_RUN, CREATE_LEAN, LOCAL_DB_STEPS, SETTLE_SIBLINGS } from './patches.js';
import { allOf, deleteAllInstances, failureMessage } from './instance-steps.js';

export async function createVnfWorkflow({ vnfId }: CreateVnfInput): Promise<LifecycleResult> {
  // CREATE_LEAN implies the three older patches; runs started before it replay them.
  const lean = patched(CREATE_LEAN);
  const settle = lean || patched(SETTLE_SIBLINGS);
  const claimsRun = lean || patched(CREATE_CLAIMS_RUN);
  const answer = answerAcceptance();
  // Reads and idempotent writes only: a local activity runs again when its
  // workflow task fails (e.g. a signal arrived while it completed), so a step
  // that writes an event runs as one only when a second run writes nothing
  // (activateCreated); setVnfStatus stays a normal activity.
  const db = lean || patched(LOCAL_DB_STEPS) ? localDb : remoteDb;
  const current = await db.getVnfStatus(vnfId);
  if (!current || current.deleted) {
    answer({
      accepted: false,
      reason: 'not_found',
      type: 'VNFNotFound',
      message: `VNF ${vnfId} could not be found`,
    });
    return { vnfId, status: 'REFUSED', detail: 'VNF not found' };
  }
  if (current.status !== 'PENDING_CREATE') {
    // A re-run (reconciliation) of a create that already finished.
    answer({ accepted: true, status: current.status });
    return { vnfId, status: current.status, detail: 'already created' };
  }
  answer({ accepted: true, status: 'PENDING_CREATE' });
  if (claimsRun && !(await db.claimCreate(vnfId))) {
    return { vnfId, status: 'REFUSED', detail: 'the VNF left PENDING_CREATE meanwhile' };
  }

  const plan = await db.planCreate(vnfId);
  try {
    await allOf(
      plan.map((p) => vim.bootInstance({ vnfId, instanceId: uuid4(), ...p })),
      settle,
    );
  } catch (err) {
    const reason = failureMessage(err);
    log.warn('create failed; cleaning up', { vnfId, reason });
    await deleteAllInstances(vnfId, settle);
    await remoteDb.setVnfStatus({
      vnfId,
      status: 'ERROR',
      errorReason: reason,
      event: { type: 'CREATE', state: 'ERROR', message: `VNF creation failed: ${reason}` },
    });
    return { vnfId, status: 'ERROR', detail: reason };
  }

  const actionId = uuid4();
  await db.setMonitorActionId({ vnfId, actionId });
  const monitored = await db.startMonitor({ vnfId, actionId });
  // ACTIVE is the last step: a client that sees it can act on the VNF at once.
  const event = {
    type: 'CREATE',
    state: 'ACTIVE',
    message: `VNF created with ${plan.length} instance(s)`,
  } as const;
  if (lean) {
    const { status } = await localDb.activateCreated({ vnfId, event });
    if (status !== 'ACTIVE')
      return { vnfId, status, detail: 'the VNF left PENDING_CREATE before it became ACTIVE' };
    return { vnfId, status: 'ACTIVE', detail: monitored ? 'created; monitor started' : 'created' };
  }
  await remoteDb.setVnfStatus({ vnfId, status: 'ACTIVE', event });
  return { vnfId, status: 'ACTIVE', detail: monitored ? 'created; monitor started' : 'created' };
}
