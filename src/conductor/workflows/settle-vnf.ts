// settle (the conductor's reconciliation, under the VNF's lifecycle id): a VNF
// left in PENDING_* by a lifecycle run that no longer runs — terminated from
// the Web UI, failed in its own cleanup, lost — is brought to a true state:
// a delete is finished; otherwise the unfinished instances are removed and the
// VNF is ACTIVE when its instances are live (a create: every default instance;
// else at least one per VDU), ERROR with the reason when not. Every settle
// writes an event saying which run it took over from.
import { uuid4 } from '@temporalio/workflow';
import type { LifecycleResult, SettleVnfInput, VnfStatus } from '../contract.js';
import type { VnfEvent } from '../activities/events.js';
import { db, vim } from './activities.js';
import { deleteAllInstances, failureMessage } from './instance-steps.js';
import { killMonitor, updateMonitor } from './monitor-signals.js';

const OPERATION: Partial<Record<VnfStatus, [string, VnfEvent['type']]>> = {
  PENDING_CREATE: ['create', 'CREATE'],
  PENDING_SCALE_OUT: ['scale out', 'SCALE'],
  PENDING_SCALE_IN: ['scale in', 'SCALE'],
  PENDING_HEAL: ['heal', 'HEAL'],
  PENDING_UPDATE: ['update', 'UPDATE'],
  PENDING_DELETE: ['delete', 'DELETE'],
};

export async function settleVnfWorkflow(input: SettleVnfInput): Promise<LifecycleResult> {
  const { vnfId } = input;
  const [operation, type] = OPERATION[input.status] ?? [];
  if (!operation || !type) return { vnfId, status: 'REFUSED', detail: `${input.status} is not settled` };
  const claim = await db.claimSettle(input);
  if (!claim) return { vnfId, status: 'REFUSED', detail: 'the VNF moved on meanwhile' };
  const lost = `its ${operation} workflow${input.run ? ` (run ${input.run})` : ''} ended without finishing`;
  const details = { settled: true, lost_run: input.run, from: input.status };

  if (input.status === 'PENDING_DELETE') {
    await killMonitor(vnfId, claim.monitorActionId);
    try {
      await deleteAllInstances(vnfId, true);
    } catch (err) {
      const reason = `delete failed: ${failureMessage(err)}`;
      await db.setVnfStatus({
        vnfId,
        status: 'ERROR',
        errorReason: `${lost}; ${reason}`,
        event: { type, state: 'ERROR', message: `VNF settled: ${lost}; ${reason}`, details },
      });
      return { vnfId, status: 'ERROR', detail: reason };
    }
    await db.markVnfDeleted({
      vnfId,
      event: { type, state: 'DELETED', message: `VNF deleted: ${lost}; the conductor finished it`, details },
    });
    return { vnfId, status: 'DELETED', detail: 'delete finished' };
  }

  let why: string | undefined;
  let removed: string[] = [];
  try {
    const s = await vim.settleInstances(vnfId);
    removed = s.removed;
    const short = Object.entries(s.live).filter(([vdu, n]) =>
      input.status === 'PENDING_CREATE' ? n < (s.defaults[vdu] ?? 1) : n < 1,
    );
    if (short.length)
      why = `instances missing: ${short.map(([vdu, n]) => `${vdu} has ${n} live`).join(', ')}`;
  } catch (err) {
    why = `its instances could not be settled: ${failureMessage(err)}`;
  }
  const cleaned = removed.length ? `; removed unfinished ${removed.join(', ')}` : '';

  if (why) {
    // A create that did not finish is undone, as a failed create is.
    if (input.status === 'PENDING_CREATE') {
      try {
        await deleteAllInstances(vnfId, true);
      } catch (err) {
        why += `; cleanup failed: ${failureMessage(err)}`;
      }
    }
    await db.setVnfStatus({
      vnfId,
      status: 'ERROR',
      errorReason: `${lost}; ${why}`,
      bumpGeneration: true,
      event: { type, state: 'ERROR', message: `VNF settled in ERROR: ${lost}; ${why}${cleaned}`, details },
    });
    await updateMonitor(vnfId);
    return { vnfId, status: 'ERROR', detail: why };
  }

  if (input.status === 'PENDING_CREATE' && !claim.monitorActionId) {
    const actionId = uuid4();
    await db.setMonitorActionId({ vnfId, actionId });
    await db.startMonitor({ vnfId, actionId });
  }
  await db.setVnfStatus({
    vnfId,
    status: 'ACTIVE',
    bumpGeneration: true,
    event: { type, state: 'ACTIVE', message: `VNF settled ACTIVE: ${lost}${cleaned}`, details },
  });
  await updateMonitor(vnfId);
  return { vnfId, status: 'ACTIVE', detail: `settled${cleaned}` };
}
