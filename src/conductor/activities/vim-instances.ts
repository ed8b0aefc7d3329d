// VDU instances: boot and delete on the VIM, recorded in vdu_instances.
// Ids are minted by the workflows, so a retried activity finds the row and
// the VIM resource its first attempt made: nothing is created twice, and the
// row is written before the VIM is called, so nothing leaks unrecorded.
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../db/client.js';
import { VimRejectedError, type VimDriver } from '../../vim/driver.js';
import type { VimLog } from '../../vim/netns.js';
import { PoolExhaustedError } from '../../vim/ip-allocator.js';
import { vimDriverFor } from '../../vim/registry.js';
import type { ParsedVnfd } from '../../vnfd/types.js';
import { defaultInstances } from '../../vnfd/scaling.js';
import { staticIpFor } from './static-ips.js';
import type { InstancePlan } from './types.js';

export interface LiveInstance {
  instanceId: string;
  vduName: string;
  index: number;
  mgmtIp: string | null;
  bootedAt: string | null;
}

export function instanceActivities(db: Db, vimLog?: VimLog) {
  const driverOf = (vim: { id: string; type: string; config: unknown }): VimDriver =>
    vimDriverFor(vim, { db, log: vimLog });

  const rejected = (err: unknown): never => {
    // A refusal or an exhausted pool will not change by retrying: fail the step at once.
    if (err instanceof VimRejectedError || err instanceof PoolExhaustedError) {
      throw ApplicationFailure.nonRetryable(err.message, 'VimRejected');
    }
    throw err;
  };

  return {
    /** The instances a new VNF boots: default_instances per VDU (1 without a scaling policy). */
    async planCreate(vnfId: string): Promise<{ vduName: string; index: number }[]> {
      const vnf = await db.vnf.findUniqueOrThrow({ where: { id: vnfId }, include: { vnfd: true } });
      const parsed = vnf.vnfd.parsed as unknown as ParsedVnfd;
      return parsed.vdus.flatMap((v) =>
        Array.from({ length: defaultInstances(parsed, v.name) }, (_, index) => ({ vduName: v.name, index })),
      );
    },

    async liveInstances(vnfId: string): Promise<LiveInstance[]> {
      const rows = await db.vduInstance.findMany({
        where: { vnfId, deletedAt: null },
        orderBy: [{ vduName: 'asc' }, { index: 'asc' }],
      });
      return rows.map((r) => ({
        instanceId: r.id,
        vduName: r.vduName,
        index: r.index,
        mgmtIp: r.mgmtIp,
        bootedAt: r.bootedAt?.toISOString() ?? null,
      }));
    },

    async canRecreate(vnfId: string): Promise<boolean> {
      const vnf = await db.vnf.findUniqueOrThrow({ where: { id: vnfId }, include: { vim: true } });
      return driverOf(vnf.vim).canRecreate;
    },

    /**
     * Boots one instance; idempotent per instanceId. Only a live row under a
     * live VNF ends ACTIVE: when a delete got there first — before this boot
     * began, or while it built (the delete waits for the instance's lock, then
     * releases the address) — whatever the boot made is removed again and the
     * step fails for good, so no namespace outlives its row or holds a
     * released address.
     */
    async bootInstance(
      plan: InstancePlan & { vnfId: string },
    ): Promise<{ instanceId: string; mgmtIp: string }> {
      const vnf = await db.vnf.findUniqueOrThrow({
        where: { id: plan.vnfId },
        include: { vim: true, vnfd: true },
      });
      const parsed = vnf.vnfd.parsed as unknown as ParsedVnfd;
      const vdu = parsed.vdus.find((v) => v.name === plan.vduName);
      if (!vdu) throw ApplicationFailure.nonRetryable(`VDU ${plan.vduName} is not in the VNFD`, 'BadPlan');
      const driver = driverOf(vnf.vim);
      const gone = async (why: string): Promise<never> => {
        await driver.deleteInstance({ vimId: vnf.vimId, instanceId: plan.instanceId }).catch(rejected);
        await db.vduInstance.updateMany({
          where: { id: plan.instanceId, deletedAt: null },
          data: { status: 'DELETED', deletedAt: new Date() },
        });
        throw ApplicationFailure.nonRetryable(`instance ${plan.instanceId} ${why}`, 'InstanceDeleted');
      };
      const existing = await db.vduInstance.findUnique({ where: { id: plan.instanceId } });
      if (existing?.deletedAt) return gone('was deleted meanwhile');
      if (vnf.deletedAt) return gone(`was not booted: VNF ${vnf.id} was deleted meanwhile`);
      if (existing?.status === 'ACTIVE' && existing.mgmtIp)
        return { instanceId: existing.id, mgmtIp: existing.mgmtIp };
      if (!existing) {
        await db.vduInstance.create({
          data: {
            id: plan.instanceId,
            vnfId: vnf.id,
            vduName: plan.vduName,
            index: plan.index,
            status: 'BUILDING',
          },
        });
      }
      const info = await driver
        .createInstance({
          vimId: vnf.vimId,
          vnfId: vnf.id,
          instanceId: plan.instanceId,
          vduName: plan.vduName,
          index: plan.index,
          image: vdu.image,
          httpPort: vdu.httpPort,
          staticIp:
            driver.type === 'static' ? staticIpFor(vnf.attributes, plan.vduName, plan.index) : undefined,
        })
        .catch(rejected);
      const done = await db.vduInstance.updateMany({
        where: {
          id: plan.instanceId,
          deletedAt: null,
          status: { notIn: ['DELETING', 'DELETED'] },
          vnf: { deletedAt: null },
        },
        data: { mgmtIp: info.mgmtIp, vimResourceId: info.resourceId, status: 'ACTIVE', bootedAt: new Date() },
      });
      if (done.count === 0) return gone('was deleted while it booted');
      return { instanceId: plan.instanceId, mgmtIp: info.mgmtIp };
    },

    /**
     * Takes instances out of the monitored set before they are deleted
     * (scale in), so the monitor never sees their removal as a failure.
     */
    async retireInstances(args: { vnfId: string; instanceIds: string[] }): Promise<{ generation: number }> {
      return db.$transaction(async (tx) => {
        await tx.vduInstance.updateMany({
          where: { id: { in: args.instanceIds }, vnfId: args.vnfId, deletedAt: null },
          data: { status: 'DELETING' },
        });
        const vnf = await tx.vnf.update({
          where: { id: args.vnfId },
          data: { monitorGeneration: { increment: 1 } },
        });
        return { generation: vnf.monitorGeneration };
      });
    },

    /** Deletes one instance from the VIM and marks its row deleted; idempotent. */
    async deleteInstance(args: { instanceId: string }): Promise<void> {
      const row = await db.vduInstance.findUnique({
        where: { id: args.instanceId },
        include: { vnf: { include: { vim: true } } },
      });
      if (!row) return;
      if (row.deletedAt) {
        // Deleted already; a boot that raced with that delete may have left something.
        await driverOf(row.vnf.vim)
          .deleteInstance({ vimId: row.vnf.vimId, instanceId: row.id })
          .catch(rejected);
        return;
      }
      await db.vduInstance.update({ where: { id: row.id }, data: { status: 'DELETING' } });
      await driverOf(row.vnf.vim)
        .deleteInstance({ vimId: row.vnf.vimId, instanceId: row.id })
        .catch(rejected);
      await db.vduInstance.update({
        where: { id: row.id },
        data: { status: 'DELETED', deletedAt: new Date() },
      });
    },
  };
}
