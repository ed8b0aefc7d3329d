// Housekeeping the conductor does at start and periodically, so no crash
// anywhere leaves lasting damage:
// - VIM garbage: namespaces/veths/responders no VNF owns (a crash between a
//   VIM call and its database write);
// - VNFs left in PENDING_CREATE without a create workflow (the API crashed
//   between writing the row and starting the workflow);
// - monitored VNFs whose monitor workflow is gone (e.g. Temporal lost its data).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TemporalConfig } from '../config.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { monitorWorkflowId } from '../monitoring/types.js';
import { vimDriverFor } from '../vim/registry.js';
import { CREATE_VNF_WORKFLOW, lifecycleWorkflowId } from './contract.js';
import { monitorSetupActivities } from './activities/monitor-setup.js';

export interface MaintenanceDeps {
  db: Db;
  client: Client;
  temporal: TemporalConfig;
  log: Logger;
}

/** Removes VIM resources of netns VIMs that no live instance row owns. */
export async function collectVimGarbage({ db, log }: Pick<MaintenanceDeps, 'db' | 'log'>): Promise<string[]> {
  const vims = await db.vim.findMany({ where: { type: 'netns', deletedAt: null } });
  const removed: string[] = [];
  for (const vim of vims) {
    // Rows still BUILDING/DELETING belong to an operation in flight: keep them.
    const owned = new Set(
      (
        await db.vduInstance.findMany({
          where: { deletedAt: null, vnf: { vimId: vim.id } },
          select: { id: true },
        })
      ).map((r) => r.id),
    );
    try {
      const driver = vimDriverFor(vim, { db });
      await driver.ensureReady();
      removed.push(...(await driver.collectGarbage(owned)));
    } catch (err) {
      log.warn({ vim: vim.id, err: (err as Error).message }, 'VIM garbage collection failed');
    }
  }
  if (removed.length) log.info({ removed }, 'removed orphaned VIM resources');
  return removed;
}

/** Starts create workflows for VNFs stuck in PENDING_CREATE without one. */
export async function reconcilePendingCreates(
  { db, client, temporal, log }: MaintenanceDeps,
  olderThanMs = 30_000,
): Promise<string[]> {
  const stuck = await db.vnf.findMany({
    where: {
      status: 'PENDING_CREATE',
      deletedAt: null,
      createdAt: { lt: new Date(Date.now() - olderThanMs) },
    },
    select: { id: true },
  });
  const started: string[] = [];
  for (const { id } of stuck) {
    try {
      const handle = await client.workflow.start(CREATE_VNF_WORKFLOW, {
        workflowId: lifecycleWorkflowId(id),
        taskQueue: temporal.conductorTaskQueue,
        args: [{ vnfId: id }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // A create that completed since the query (a backlogged queue) is no reason for another run; a failed one is.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
      if (handle.firstExecutionRunId) started.push(id);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  if (started.length) log.info({ vnfs: started }, 'reconciled VNFs stuck in PENDING_CREATE');
  return started;
}

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
