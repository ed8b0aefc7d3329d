// What the monitor of a VNF should watch, built from the database, and the
// start of the monitor workflow (idempotent: USE_EXISTING by workflow id).
import type { Client } from '@temporalio/client';
import type { TemporalConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import {
  MONITOR_WORKFLOW_TYPE,
  monitorWorkflowId,
  type MonitoredVdu,
  type MonitorInput,
} from '../../monitoring/contract.js';
import { MonitorStateKey, TenantIdKey, VnfIdKey, VnfNameKey } from '../../temporal/search-attributes.js';
import { parseStoredVimConfig } from '../../vim/registry.js';
import type { ParsedVnfd } from '../../vnfd/types.js';

export interface MonitorSet {
  generation: number;
  vdus: MonitoredVdu[];
  actionId: string | null;
}

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
      input: {
        vnfId,
        vnfName: vnf.name,
        vnfdName: vnf.vnfd.name,
        tenantId: vnf.tenantId,
        generation: vnf.monitorGeneration,
        vdus,
        conductorTaskQueue: temporal.conductorTaskQueue,
        allowedCidrs,
      },
    };
  }

  return {
    /** The monitored set as it stands in the database. */
    async monitorSet(vnfId: string): Promise<MonitorSet> {
      const { generation, vdus, actionId } = await monitorSet(vnfId);
      return { generation, vdus, actionId };
    },

    /** Starts the VNF's monitor (no-op when it runs already). Returns false when nothing is monitored. */
    async startMonitor(args: { vnfId: string; actionId: string }): Promise<boolean> {
      const { input } = await monitorSet(args.vnfId);
      if (input.vdus.length === 0) return false;
      await client.workflow.start(MONITOR_WORKFLOW_TYPE, {
        workflowId: monitorWorkflowId(args.vnfId),
        taskQueue: temporal.monitorTaskQueue,
        args: [{ ...input, actionId: args.actionId } satisfies MonitorInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [
          { key: VnfIdKey, value: input.vnfId },
          { key: VnfNameKey, value: input.vnfName },
          { key: TenantIdKey, value: input.tenantId },
          { key: MonitorStateKey, value: 'WAITING_DELAY' },
        ],
        memo: { vnfName: input.vnfName, vnfdName: input.vnfdName },
      });
      return true;
    },
  };
}
