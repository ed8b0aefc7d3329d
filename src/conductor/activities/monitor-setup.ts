// The conductor's side of a VNF's monitor: what it should watch (built from
// the database), starting it, and rebuilding, stopping or re-syncing it. The
// conductor alone writes the monitor's actionId and generation; everything
// else (CLI, API, reconciliation) asks it.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TemporalConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import {
  MONITOR_WORKFLOW_TYPE,
  monitorWorkflowId,
  QUERY_STATUS,
  SIGNAL_UPDATE,
  type MonitoredVdu,
  type MonitorInput,
  type MonitorStatus,
  type UpdateSignal,
} from '../../monitoring/contract.js';
import { MonitorStateKey, TenantIdKey, VnfIdKey, VnfNameKey } from '../../temporal/search-attributes.js';
import { parseStoredVimConfig } from '../../vim/registry.js';
import type { ParsedVnfd } from '../../vnfd/types.js';
import { MONITORED_STATUSES, type VnfStatus } from '../contract.js';
import { ANSWERED_PHASE, tellActionPhase } from './action-phase.js';
import { writeVnfEvent } from './events.js';

export interface MonitorSet {
  generation: number;
  vdus: MonitoredVdu[];
  actionId: string | null;
  vnfStatus: VnfStatus;
}

/** What ensureMonitor did. */
export type EnsureResult =
  { started: true; runId: string; actionId: string } | { started: false; reason: string };

export function monitorSetupActivities(db: Db, client: Client, temporal: TemporalConfig) {
  async function monitorSet(vnfId: string): Promise<MonitorSet & { input: Omit<MonitorInput, 'actionId'> }> {
    const vnf = await db.vnf.findUniqueOrThrow({
      where: { id: vnfId },
      include: { vnfd: true, vim: true, instances: { where: { deletedAt: null, status: 'ACTIVE' } } },
    });
    const parsed = vnf.vnfd.parsed as unknown as ParsedVnfd;
    const vdus: MonitoredVdu[] = parsed.vdus
      .filter((v) => v.monitoringPolicy)
      .map((v) => ({
        vduName: v.name,
        policy: v.monitoringPolicy!,
        targets: vnf.instances
          .filter((i) => i.vduName === v.name && i.mgmtIp)
          .sort((a, b) => a.index - b.index)
          .map((i) => ({
            instanceId: i.id,
            ip: i.mgmtIp!,
            bootedAt: (i.bootedAt ?? i.createdAt).toISOString(),
          })),
      }));
    const vimCfg = parseStoredVimConfig(vnf.vim.type, vnf.vim.config);
    const allowedCidrs = vimCfg.ok ? vimCfg.config.allowedCidrs : [];
    return {
      generation: vnf.monitorGeneration,
      vdus,
      actionId: vnf.monitorActionId,
      vnfStatus: vnf.status as VnfStatus,
      input: {
        vnfId,
        vnfName: vnf.name,
        vnfdName: vnf.vnfd.name,
        tenantId: vnf.tenantId,
        generation: vnf.monitorGeneration,
        vdus,
        conductorTaskQueue: temporal.conductorTaskQueue,
        allowedCidrs,
        vnfStatus: vnf.status,
        firstEpisode: await episodeFloor(vnfId),
      },
    };
  }

  /**
   * The first episode number a new monitor of the VNF may use: above every episode an earlier
   * monitor recorded (policy actions) or reported (events), so a rebuilt monitor never gets the
   * recorded outcome of an old episode for a new failure.
   */
  async function episodeFloor(vnfId: string): Promise<number> {
    const rows = await db.$queryRaw<{ top: number | null }[]>`
      SELECT GREATEST(
        (SELECT MAX(episode) FROM policy_action_executions WHERE vnf_id = ${vnfId}::uuid),
        (SELECT MAX((event_details->>'episode')::int) FROM events
          WHERE resource_id = ${vnfId} AND event_type = 'MONITOR'
            AND (event_details->>'episode') ~ '^[0-9]{1,9}$')
      ) AS top`;
    return (rows[0]?.top ?? 0) + 1;
  }

  async function startRun(vnfId: string, actionId: string, requestId: string): Promise<EnsureResult> {
    const { input } = await monitorSet(vnfId);
    if (input.vdus.length === 0) return { started: false, reason: 'the VNF has no monitoring policy' };
    const handle = await client.workflow.start(MONITOR_WORKFLOW_TYPE, {
      workflowId: monitorWorkflowId(vnfId),
      taskQueue: temporal.monitorTaskQueue,
      args: [{ ...input, actionId } satisfies MonitorInput],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: VnfIdKey, value: input.vnfId },
        { key: VnfNameKey, value: input.vnfName },
        { key: TenantIdKey, value: input.tenantId },
        { key: MonitorStateKey, value: 'WAITING_DELAY' },
      ],
      memo: {
        vnfName: input.vnfName,
        vnfdName: input.vnfdName,
        actionId,
        generation: input.generation,
        startedBy: requestId,
      },
    });
    return { started: true, runId: handle.firstExecutionRunId, actionId };
  }

  /** The running monitor of the VNF, if any, with what its memo says. */
  async function runningMonitor(
    vnfId: string,
  ): Promise<{ runId: string; actionId?: string; generation?: number; startedBy?: string } | undefined> {
    try {
      const d = await client.workflow.getHandle(monitorWorkflowId(vnfId)).describe();
      if (d.status.name !== 'RUNNING') return undefined;
      const memo = (d.memo ?? {}) as { actionId?: string; generation?: number; startedBy?: string };
      return { runId: d.runId, ...memo };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Held episodes whose hold saw the target answer and took no action (gate RECOVERED) end in
   * the monitor only when it is told so. A lost signal would leave the episode held in a hold
   * that is over: a target that still fails from the monitor's vantage never acted on again.
   */
  async function tellRecovered(vnfId: string, actionId: string, status: MonitorStatus | undefined) {
    const held = (status?.targets ?? []).flatMap((t) =>
      t.episodeStatus === 'held' && t.episode !== undefined ? [t.episode] : [],
    );
    if (!held.length) return;
    const recovered = await db.policyActionExecution.findMany({
      where: { vnfId, actionId, episode: { in: held }, gate: 'RECOVERED' },
      select: { episode: true },
    });
    await tellActionPhase(
      client,
      recovered.map((r) => ({ vnfId, actionId, episode: r.episode })),
      ANSWERED_PHASE,
      true,
    );
  }

  return {
    /** The monitored set as it stands in the database. */
    async monitorSet(vnfId: string): Promise<MonitorSet> {
      const { generation, vdus, actionId, vnfStatus } = await monitorSet(vnfId);
      return { generation, vdus, actionId, vnfStatus };
    },

    /** Starts the VNF's monitor (no-op when it runs already). Returns false when nothing is monitored. */
    async startMonitor(args: { vnfId: string; actionId: string }): Promise<boolean> {
      return (await startRun(args.vnfId, args.actionId, `create:${args.actionId}`)).started;
    },

    /**
     * Makes sure the VNF has one running monitor of its current actionId, built from the
     * database; `restart` replaces a running one too. Idempotent per requestId: a retry after a
     * crash finds the run it started and leaves it.
     */
    async ensureMonitor(args: { vnfId: string; restart: boolean; requestId: string }): Promise<EnsureResult> {
      const vnf = await db.vnf.findUnique({ where: { id: args.vnfId } });
      if (!vnf || vnf.deletedAt) return { started: false, reason: `VNF ${args.vnfId} could not be found` };
      if (!MONITORED_STATUSES.includes(vnf.status as VnfStatus))
        return { started: false, reason: `VNF ${args.vnfId} is ${vnf.status}` };
      let actionId = vnf.monitorActionId;
      if (!actionId) {
        // Monitoring was stopped (or never set up): a new monitor identity, and a new generation.
        actionId = randomUUID();
        await db.vnf.update({
          where: { id: vnf.id },
          data: { monitorActionId: actionId, monitorGeneration: { increment: 1 } },
        });
      }
      const running = await runningMonitor(args.vnfId);
      if (running?.startedBy === args.requestId) return { started: true, runId: running.runId, actionId };
      if (running && !args.restart && running.actionId === actionId)
        return { started: false, reason: 'a monitor of the current actionId is running' };
      if (running)
        await client.workflow
          .getHandle(monitorWorkflowId(args.vnfId), running.runId)
          .terminate(
            args.restart ? 'restarted from the database' : 'obsolete: replaced by the current actionId',
          )
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          });
      return startRun(args.vnfId, actionId, args.requestId);
    },

    /** Stops monitoring the VNF on the operator's word: no monitor until `monitor start`. */
    async stopMonitoring(args: { vnfId: string; reason: string }): Promise<boolean> {
      const vnf = await db.vnf.findUnique({ where: { id: args.vnfId } });
      if (!vnf || vnf.deletedAt) return false;
      if (vnf.monitorActionId) {
        await db.$transaction(async (tx) => {
          await tx.vnf.update({ where: { id: vnf.id }, data: { monitorActionId: null } });
          await writeVnfEvent(tx, vnf, {
            type: 'MONITOR',
            state: vnf.status,
            message: `monitoring stopped: ${args.reason}`,
            details: { action_id: vnf.monitorActionId },
          });
        });
      }
      const running = await runningMonitor(args.vnfId);
      if (running)
        await client.workflow
          .getHandle(monitorWorkflowId(args.vnfId), running.runId)
          .terminate(`monitoring stopped: ${args.reason}`)
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          });
      return true;
    },

    /**
     * Sends the monitor the set as the database has it, under a generation above both the
     * database's and the monitor's own (a hand-sent update may have moved it ahead), so the
     * monitor takes it and the two agree again.
     */
    async resyncMonitor(vnfId: string): Promise<{ generation: number } | undefined> {
      const running = await runningMonitor(vnfId);
      if (!running) return undefined;
      let seen = running.generation ?? 0;
      let status: MonitorStatus | undefined;
      try {
        status = await client.workflow.getHandle(monitorWorkflowId(vnfId)).query<MonitorStatus>(QUERY_STATUS);
        seen = Math.max(seen, status.generation);
      } catch {
        // No worker answers queries now: the memo's generation is what we know.
      }
      const vnf = await db.vnf.findUniqueOrThrow({ where: { id: vnfId } });
      const generation = Math.max(vnf.monitorGeneration, seen) + 1;
      await db.vnf.update({ where: { id: vnfId }, data: { monitorGeneration: generation } });
      const set = await monitorSet(vnfId);
      if (!set.actionId) return undefined;
      await client.workflow.getHandle(monitorWorkflowId(vnfId)).signal(SIGNAL_UPDATE, {
        actionId: set.actionId,
        generation: set.generation,
        vdus: set.vdus,
        vnfStatus: set.vnfStatus,
      } satisfies UpdateSignal);
      await tellRecovered(vnfId, set.actionId, status);
      return { generation: set.generation };
    },
  };
}
