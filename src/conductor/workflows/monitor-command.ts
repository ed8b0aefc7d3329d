// Monitor commands (vnfm monitor start|restart|stop|update, POST
// /v1.0/vnfs/{id}/monitor, and the conductor's reconciliation): the conductor
// starts, rebuilds, stops or re-syncs a VNF's monitor from the database. It
// runs under the VNF's lifecycle id, so it never interleaves with a scale,
// heal or respawn changing the set it reads.
import { workflowInfo } from '@temporalio/workflow';
import { MONITORED_STATUSES, type LifecycleResult, type MonitorCommandInput } from '../contract.js';
import { answerAcceptance } from './acceptance.js';
import { db, monitorControl } from './activities.js';

export async function monitorCommandWorkflow(input: MonitorCommandInput): Promise<LifecycleResult> {
  const { vnfId, command } = input;
  const answer = answerAcceptance();
  const vnf = await db.getVnfStatus(vnfId);
  if (!vnf || vnf.deleted) {
    answer({
      accepted: false,
      reason: 'not_found',
      type: 'VNFNotFound',
      message: `VNF ${vnfId} could not be found`,
    });
    return { vnfId, status: 'REFUSED', detail: 'VNF not found' };
  }
  if (command !== 'stop' && !MONITORED_STATUSES.includes(vnf.status)) {
    const message = `VNF ${vnfId} is ${vnf.status}; a monitor ${command} needs ${MONITORED_STATUSES.join(', ')}`;
    answer({ accepted: false, reason: 'conflict', type: 'VNFInUse', message });
    return { vnfId, status: 'REFUSED', detail: message };
  }
  answer({ accepted: true, status: vnf.status });
  const info = workflowInfo();
  let detail: string;
  switch (command) {
    case 'start':
    case 'restart': {
      const r = await monitorControl.ensureMonitor({
        vnfId,
        restart: command === 'restart',
        requestId: `${info.workflowId}/${info.runId}`,
      });
      detail = r.started
        ? `monitor ${command === 'restart' ? 'restarted' : 'started'} (run ${r.runId})`
        : r.reason;
      break;
    }
    case 'stop':
      await monitorControl.stopMonitoring({ vnfId, reason: `by ${input.requestedBy ?? 'an operator'}` });
      detail = 'monitoring stopped';
      break;
    case 'resync': {
      const r = await monitorControl.resyncMonitor(vnfId);
      detail = r ? `monitor updated to generation ${r.generation}` : 'no monitor runs';
      break;
    }
  }
  return { vnfId, status: vnf.status, detail };
}
