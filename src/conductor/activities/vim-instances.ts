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
import { abandoned, lifecycleRunOf } from './heartbeat.js';
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

  /**
   * Writes the BUILDING row of a new instance, with the VNF's row locked, if
   * the VNF is not deleted or being deleted and `run` (when known) owns its
   * lifecycle step. Answers why not otherwise.
   */
  const insertBuildingRow = async (
    plan: InstancePlan & { vnfId: string },
    run: string | undefined,
  ): Promise<string | undefined> =>
    db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ status: string; deleted: boolean; run: string | null }[]>`
        SELECT status, deleted_at IS NOT NULL AS deleted, lifecycle_run AS run
        FROM vnfs WHERE id = ${plan.vnfId}::uuid FOR SHARE`;
      const vnf = rows[0];
      if (!vnf || vnf.deleted) return `VNF ${plan.vnfId} was deleted meanwhile`;
      if (vnf.status === 'PENDING_DELETE') return `VNF ${plan.vnfId} is being deleted`;
      if (run && vnf.run && vnf.run !== run)
        return `VNF ${plan.vnfId} is owned by another lifecycle run (${vnf.run}) now`;
      await tx.vduInstance.createMany({
        data: [
          {
            id: plan.instanceId,
            vnfId: plan.vnfId,
            vduName: plan.vduName,
            index: plan.index,
            status: 'BUILDING',
          },
        ],
        skipDuplicates: true,
      });
      return undefined;
    });

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
     *
     * The row is only written while the VNF is not being deleted and the
     * calling run still owns its lifecycle step (vnfs.lifecycle_run), in one
     * statement with the VNF's row locked: a delete's claim either comes
     * first (and the boot makes nothing) or sees the row (and deletes it).
     * A boot whose workflow is gone (terminated, e.g. replaced by a force
     * delete) stops between its steps and removes what it made.
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
      if (abandoned()) return gone('was not booted: its workflow is gone');
      if (existing?.status === 'ACTIVE' && existing.mgmtIp)
        return { instanceId: existing.id, mgmtIp: existing.mgmtIp };
      if (!existing) {
        const refusal = await insertBuildingRow(plan, lifecycleRunOf(plan.vnfId));
        if (refusal) return gone(`was not booted: ${refusal}`);
      }
      if (abandoned()) return gone('was not booted: its workflow is gone');
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
      const run = lifecycleRunOf(plan.vnfId);
      const done = await db.vduInstance.updateMany({
        where: {
          id: plan.instanceId,
          deletedAt: null,
          status: { notIn: ['DELETING', 'DELETED'] },
          // Another run (a force delete, a settle) took the VNF over meanwhile: this boot is stale.
          vnf: { deletedAt: null, ...(run ? { OR: [{ lifecycleRun: null }, { lifecycleRun: run }] } : {}) },
        },
        data: { mgmtIp: info.mgmtIp, vimResourceId: info.resourceId, status: 'ACTIVE', bootedAt: new Date() },
      });
      if (done.count === 0) return gone('was deleted while it booted');
      if (abandoned()) return gone('was booted after its workflow was gone');
      return { instanceId: plan.instanceId, mgmtIp: info.mgmtIp };
    },

    /**
     * For a VNF whose lifecycle run ended without finishing (the
     * reconciliation's settle): removes the instances it left unfinished —
     * still BUILDING or DELETING, without an address, or gone from the VIM —
     * and counts what is live per VDU, beside the VNFD's default counts.
     */
    async settleInstances(vnfId: string): Promise<{
      removed: string[];
      live: Record<string, number>;
      defaults: Record<string, number>;
    }> {
      const vnf = await db.vnf.findUniqueOrThrow({
        where: { id: vnfId },
        include: { vim: true, vnfd: true, instances: { where: { deletedAt: null } } },
      });
      const driver = driverOf(vnf.vim);
      const parsed = vnf.vnfd.parsed as unknown as ParsedVnfd;
      const live: Record<string, number> = {};
      const defaults: Record<string, number> = {};
      for (const v of parsed.vdus) {
        live[v.name] = 0;
        defaults[v.name] = defaultInstances(parsed, v.name);
      }
      const removed: string[] = [];
      for (const row of vnf.instances) {
        let whole = row.status === 'ACTIVE' && row.mgmtIp !== null;
        if (whole) {
          // Only a VIM that says so for sure makes a recorded instance unfinished.
          const state = await driver.describeInstance(row.id).then(
            (i) => i.state,
            () => 'unknown',
          );
          whole = state !== 'missing';
        }
        if (whole) {
          live[row.vduName] = (live[row.vduName] ?? 0) + 1;
          continue;
        }
        await db.vduInstance.updateMany({
          where: { id: row.id, deletedAt: null },
          data: { status: 'DELETING' },
        });
        await driver.deleteInstance({ vimId: vnf.vimId, instanceId: row.id }).catch(rejected);
        await db.vduInstance.updateMany({
          where: { id: row.id, deletedAt: null },
          data: { status: 'DELETED', deletedAt: new Date() },
        });
        removed.push(`${row.vduName}/${row.index} ${row.id} (${row.status})`);
      }
      return { removed, live, defaults };
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
