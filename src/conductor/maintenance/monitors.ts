// Monitored VNFs whose monitor workflow is gone (e.g. Temporal lost its data).
import { WorkflowNotFoundError } from '@temporalio/client';
import { monitorWorkflowId } from '../../monitoring/contract.js';
import { monitorSetupActivities } from '../activities/monitor-setup.js';
import type { MaintenanceDeps } from './deps.js';

/** Restarts monitors of ACTIVE monitored VNFs whose monitor workflow Temporal does not know at all (lost data). */
export async function reconcileMonitors({ db, client, temporal, log }: MaintenanceDeps): Promise<string[]> {
  const setup = monitorSetupActivities(db, client, temporal);
  const vnfs = await db.vnf.findMany({
    where: { status: 'ACTIVE', deletedAt: null, monitorActionId: { not: null } },
    select: { id: true, monitorActionId: true },
  });
  const restarted: string[] = [];
  for (const vnf of vnfs) {
    try {
      // Found in any state: running, or stopped on purpose (a kill, a guard) — leave it.
      await client.workflow.getHandle(monitorWorkflowId(vnf.id)).describe();
      continue;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (await setup.startMonitor({ vnfId: vnf.id, actionId: vnf.monitorActionId! })) restarted.push(vnf.id);
  }
  if (restarted.length) log.warn({ vnfs: restarted }, 'restarted missing monitors');
  return restarted;
}
