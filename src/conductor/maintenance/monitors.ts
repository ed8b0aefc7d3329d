// Every VNF that should be monitored has exactly one running monitor of its
// current actionId, at the database's generation: a periodic pass compares
// the database with Temporal's list of running monitors (one visibility scan,
// not a call per VNF) and asks the conductor to fix what differs. Monitors
// lost with Temporal's data, killed by hand, completed by an older release or
// left behind on an old actionId all come back this way.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  lifecycleWorkflowId,
  MONITOR_COMMAND_WORKFLOW,
  MONITORED_STATUSES,
  type MonitorCommandInput,
  type MonitorCommandName,
} from '../contract.js';
import {
  MONITOR_WORKFLOW_TYPE,
  monitorWorkflowId,
  SIGNAL_UPDATE,
  type UpdateSignal,
} from '../../monitoring/contract.js';
import { MonitorStateKey } from '../../temporal/search-attributes.js';
import { monitorSetupActivities } from '../activities/monitor-setup.js';
import type { MaintenanceDeps } from './deps.js';

/** How long after its hold let it go a monitor may stay HELD before a resync (see inHold). */
export const HOLD_SETTLE_MS = 60_000;

export interface MonitorReconciliation {
  /** VNFs for which a command was started (start, restart, resync, stop). */
  commands: { vnfId: string; command: MonitorCommandName }[];
  /** VNFs whose monitor was sent the database's set (it was behind). */
  updated: string[];
  /** Monitors of VNFs that are gone or no longer monitored. */
  terminated: string[];
}

interface RunningMonitor {
  vnfId: string;
  actionId?: string;
  generation?: number;
  state?: string;
}

function seenAs(
  vnfId: string,
  memo: Record<string, unknown> | undefined,
  state: string | undefined,
): RunningMonitor {
  const m = (memo ?? {}) as { actionId?: unknown; generation?: unknown };
  return {
    vnfId,
    ...(state ? { state } : {}),
    ...(typeof m.actionId === 'string' ? { actionId: m.actionId } : {}),
    ...(typeof m.generation === 'number' ? { generation: m.generation } : {}),
  };
}

export async function reconcileMonitors({
  db,
  client,
  temporal,
  log,
}: MaintenanceDeps): Promise<MonitorReconciliation> {
  const out: MonitorReconciliation = { commands: [], updated: [], terminated: [] };
  const running = new Map<string, RunningMonitor>();
  const prefix = monitorWorkflowId('');
  for await (const w of client.workflow.list({
    query: `WorkflowType = '${MONITOR_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${temporal.monitorTaskQueue}'`,
  })) {
    if (!w.workflowId.startsWith(prefix)) continue;
    const vnfId = w.workflowId.slice(prefix.length);
    running.set(vnfId, seenAs(vnfId, w.memo, w.typedSearchAttributes.get(MonitorStateKey)));
  }
  const describeMonitor = async (vnfId: string): Promise<RunningMonitor | undefined> => {
    try {
      const d = await client.workflow.getHandle(monitorWorkflowId(vnfId)).describe();
      if (d.status.name !== 'RUNNING' || d.taskQueue !== temporal.monitorTaskQueue) return undefined;
      return seenAs(vnfId, d.memo, d.typedSearchAttributes.get(MonitorStateKey));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  };
  const rows = await db.$queryRaw<
    { id: string; status: string; action_id: string | null; generation: number; deleted: boolean }[]
  >`
    SELECT v.id::text AS id, v.status, v.monitor_action_id::text AS action_id,
           v.monitor_generation AS generation, v.deleted_at IS NOT NULL AS deleted
    FROM vnfs v JOIN vnfds d ON d.id = v.vnfd_id
    WHERE jsonb_path_exists(d.parsed, '$.vdus[*].monitoringPolicy ? (@ != null)')
      AND (v.deleted_at IS NULL OR v.id::text = ANY(${[...running.keys()]}))`;

  // Monitors whose action waits in an open correlated-failure hold are HELD on purpose, VNF ACTIVE.
  // So, for a while, are those the hold has just told that their target answers (gate RECOVERED):
  // the word is on its way (a signal, then the monitor's next workflow task) — resyncing them too
  // would send the fleet a command each right after a blip. Past the settle time, a monitor still
  // HELD missed it and is resynced (the resync tells it again).
  const settleSecs = HOLD_SETTLE_MS / 1000;
  const inHold = new Set(
    (
      await db.$queryRaw<{ id: string }[]>`
        SELECT DISTINCT p.vnf_id::text AS id FROM policy_action_executions p
          JOIN heal_holds h ON h.id = p.hold_id
         WHERE (h.state IN ('HELD', 'RELEASED')
                AND p.gate IN ('HELD', 'RELEASED', 'QUEUED', 'RECREATING', 'RECOVERED'))
            OR (p.gate = 'RECOVERED' AND h.ended_at > now() - make_interval(secs => ${settleSecs}::float8))`
    ).map((r) => r.id),
  );

  const command = async (vnfId: string, name: MonitorCommandName) => {
    try {
      await client.workflow.start(MONITOR_COMMAND_WORKFLOW, {
        workflowId: lifecycleWorkflowId(vnfId),
        taskQueue: temporal.conductorTaskQueue,
        args: [{ vnfId, command: name, requestedBy: 'reconciliation' } satisfies MonitorCommandInput],
        workflowIdConflictPolicy: 'FAIL',
      });
      out.commands.push({ vnfId, command: name });
    } catch (err) {
      // Another operation holds the VNF: it informs the monitor itself; look again next pass.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };
  const obsolete = async (vnfId: string) => {
    await client.workflow
      .getHandle(monitorWorkflowId(vnfId))
      .terminate('obsolete: the VNF is gone or no longer monitored')
      .then(
        () => out.terminated.push(vnfId),
        () => undefined,
      );
  };
  const setup = monitorSetupActivities(db, client, temporal);
  /** The command a monitor seen as `r` needs, if any. */
  const needs = (
    row: { id: string; status: string; action_id: string | null; generation: number },
    r: RunningMonitor | undefined,
  ): MonitorCommandName | undefined => {
    if (!r) return 'start';
    if (r.actionId !== undefined && r.actionId !== row.action_id) return 'restart';
    if (r.generation !== undefined && r.generation > row.generation) return 'resync';
    // Held (watching, not acting) while the VNF is ACTIVE and no hold has its action: the update
    // that lifts it was lost. (Resyncing a monitor held on purpose would churn it every pass.)
    if (r.state === 'HELD' && row.status === 'ACTIVE' && !inHold.has(row.id)) return 'resync';
    return undefined;
  };
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.id);
    let r = running.get(row.id);
    const wanted = !row.deleted && row.action_id !== null && MONITORED_STATUSES.includes(row.status as never);
    if (!wanted) {
      // Deleted, or monitoring stopped: a monitor still running is obsolete (a delete in progress kills its own).
      if (r && (row.deleted || row.action_id === null)) await obsolete(row.id);
      continue;
    }
    if (needs(row, r)) {
      // The list is a visibility scan, taken before the rows were read: a monitor started or
      // changed meanwhile (a create that just finished) looks missing or behind there. Ask
      // Temporal about this one before commanding it.
      r = await describeMonitor(row.id);
      const name = needs(row, r);
      if (name) {
        await command(row.id, name);
        continue;
      }
    }
    if (!r) continue;
    if (r.generation !== undefined && r.generation < row.generation) {
      // Behind (a lost update signal): send what the database has; a monitor that has it ignores it.
      const set = await setup.monitorSet(row.id);
      if (!set.actionId) continue;
      await client.workflow
        .getHandle(monitorWorkflowId(row.id))
        .signal(SIGNAL_UPDATE, {
          actionId: set.actionId,
          generation: set.generation,
          vdus: set.vdus,
          vnfStatus: set.vnfStatus,
        } satisfies UpdateSignal)
        .then(
          () => out.updated.push(row.id),
          () => undefined,
        );
    }
  }
  for (const id of running.keys()) if (!seen.has(id)) await obsolete(id);
  if (out.commands.length || out.updated.length || out.terminated.length)
    log.info(out, 'reconciled monitors');
  return out;
}
