// Messages from lifecycle workflows to a VNF's monitor. A monitor that does
// not exist (unmonitored VNF) or has finished is not an error here.
import { defineSignal, getExternalWorkflowHandle, log } from '@temporalio/workflow';
import {
  monitorWorkflowId,
  SIGNAL_KILL,
  SIGNAL_UPDATE,
  type KillSignal,
  type UpdateSignal,
} from '../../monitoring/contract.js';
import { monitorControl } from './activities.js';

const kill = defineSignal<[KillSignal]>(SIGNAL_KILL);
const update = defineSignal<[UpdateSignal]>(SIGNAL_UPDATE);

export async function killMonitor(vnfId: string, actionId: string | null): Promise<void> {
  if (!actionId) return;
  try {
    await getExternalWorkflowHandle(monitorWorkflowId(vnfId)).signal(kill, { actionId });
  } catch (err) {
    log.info('no monitor to kill', { vnfId, error: String(err) });
  }
}

/** Sends the monitored set as it now stands in the database. */
export async function updateMonitor(vnfId: string): Promise<void> {
  const set = await monitorControl.monitorSet(vnfId);
  if (!set.actionId) return;
  try {
    await getExternalWorkflowHandle(monitorWorkflowId(vnfId)).signal(update, {
      actionId: set.actionId,
      generation: set.generation,
      vdus: set.vdus,
      vnfStatus: set.vnfStatus,
    });
  } catch (err) {
    log.info('no monitor to update', { vnfId, error: String(err) });
  }
}
