// VNF rows: claiming a status for an operation (compare-and-set, so two
// operations can never both start), finishing it, and failing it.
import type { Db, Prisma } from '../../db/client.js';
import type { Acceptance, VnfStatus } from '../contract.js';
import { writeVnfEvent, type VnfEvent } from './events.js';
import { lifecycleRunOf } from './heartbeat.js';
import type { ClaimRequest } from './types.js';

export function vnfRecordActivities(db: Db) {
  return {
    /** Moves the VNF to `to` if it is in one of `from`; answers why not otherwise. */
    async claimVnf(req: ClaimRequest): Promise<Acceptance> {
      return db.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ id: string; tenant_id: string; status: string }[]>`
          SELECT id, tenant_id, status FROM vnfs WHERE id = ${req.vnfId}::uuid AND deleted_at IS NULL FOR UPDATE`;
        const vnf = rows[0];
        if (!vnf)
          return {
            accepted: false,
            reason: 'not_found',
            type: 'VNFNotFound',
            message: `VNF ${req.vnfId} could not be found`,
          };
        if (req.from.length && !req.from.includes(vnf.status as VnfStatus)) {
          return {
            accepted: false,
            reason: 'conflict',
            type: 'VNFInUse',
            message: `VNF ${req.vnfId} is ${vnf.status}; ${req.operation} needs ${req.from.join(' or ')}`,
          };
        }
        const run = lifecycleRunOf(vnf.id);
        await tx.vnf.update({
          where: { id: vnf.id },
          data: { status: req.to, errorReason: null, ...(run ? { lifecycleRun: run } : {}) },
        });
        await writeVnfEvent(tx, { id: vnf.id, tenantId: vnf.tenant_id }, req.event);
        return { accepted: true, status: req.to };
      });
    },

    /**
     * A create takes ownership of its VNF's lifecycle step (the API wrote the
     * row without one), so the reconciliation can tell a create that ended
     * without finishing from one never started. False if the VNF left PENDING_CREATE.
     */
    async claimCreate(vnfId: string): Promise<boolean> {
      const run = lifecycleRunOf(vnfId);
      if (!run) return true;
      const r = await db.vnf.updateMany({
        where: { id: vnfId, status: 'PENDING_CREATE', deletedAt: null },
        data: { lifecycleRun: run },
      });
      return r.count === 1;
    },

    /**
     * The settle run takes over a VNF's lifecycle step from a run that ended
     * without finishing it — if the VNF is still where that run left it.
     */
    async claimSettle(args: {
      vnfId: string;
      status: VnfStatus;
      run: string | null;
    }): Promise<{ monitorActionId: string | null } | null> {
      return db.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ status: string; run: string | null; action_id: string | null }[]>`
          SELECT status, lifecycle_run AS run, monitor_action_id::text AS action_id
          FROM vnfs WHERE id = ${args.vnfId}::uuid AND deleted_at IS NULL FOR UPDATE`;
        const vnf = rows[0];
        if (!vnf || vnf.status !== args.status || vnf.run !== args.run) return null;
        const run = lifecycleRunOf(args.vnfId);
        if (run) await tx.vnf.update({ where: { id: args.vnfId }, data: { lifecycleRun: run } });
        return { monitorActionId: vnf.action_id };
      });
    },

    /** Sets the final status of an operation, with its event. */
    async setVnfStatus(args: {
      vnfId: string;
      status: VnfStatus;
      errorReason?: string;
      event: VnfEvent;
      /** Bump the monitor generation (the monitored set changed). */
      bumpGeneration?: boolean;
      attributes?: Prisma.InputJsonValue;
    }): Promise<{ generation: number }> {
      return db.$transaction(async (tx) => {
        const vnf = await tx.vnf.update({
          where: { id: args.vnfId },
          data: {
            status: args.status,
            errorReason: args.errorReason ?? null,
            ...(args.bumpGeneration ? { monitorGeneration: { increment: 1 } } : {}),
            ...(args.attributes !== undefined ? { attributes: args.attributes } : {}),
          },
        });
        await writeVnfEvent(tx, vnf, args.event);
        return { generation: vnf.monitorGeneration };
      });
    },

    /**
     * Soft-deletes the VNF once its resources are gone, and (as Tacker did)
     * the inline VNFD it was created from when no other VNF uses it.
     */
    async markVnfDeleted(args: { vnfId: string; event: VnfEvent }): Promise<void> {
      await db.$transaction(async (tx) => {
        const vnf = await tx.vnf.update({
          where: { id: args.vnfId },
          data: { deletedAt: new Date(), monitorActionId: null },
          include: { vnfd: true },
        });
        await writeVnfEvent(tx, vnf, args.event);
        if (vnf.vnfd.templateSource === 'inline' && !vnf.vnfd.deletedAt) {
          const others = await tx.vnf.count({ where: { vnfdId: vnf.vnfdId, deletedAt: null } });
          if (others === 0)
            await tx.vnfd.update({ where: { id: vnf.vnfdId }, data: { deletedAt: new Date() } });
        }
      });
    },

    /** Merges new config / param_values into the VNF's attributes. */
    async updateVnfAttributes(args: {
      vnfId: string;
      attributes: { config?: unknown; param_values?: unknown };
    }): Promise<void> {
      const vnf = await db.vnf.findUniqueOrThrow({ where: { id: args.vnfId } });
      const current = (vnf.attributes ?? {}) as Record<string, unknown>;
      const next: Record<string, unknown> = { ...current };
      if (args.attributes.config !== undefined) next.config = args.attributes.config;
      if (args.attributes.param_values !== undefined) next.param_values = args.attributes.param_values;
      await db.vnf.update({ where: { id: args.vnfId }, data: { attributes: next as Prisma.InputJsonValue } });
    },

    async writeEvent(args: { vnfId: string; event: VnfEvent }): Promise<void> {
      const vnf = await db.vnf.findUnique({
        where: { id: args.vnfId },
        select: { id: true, tenantId: true },
      });
      if (vnf) await writeVnfEvent(db, vnf, args.event);
    },

    /**
     * A create's last step: PENDING_CREATE → ACTIVE with its event, only while the VNF is still
     * this run's create (not deleted, not taken over). Safe to run twice — as a local activity
     * does when its workflow task is retried — because the second finds it ACTIVE and writes
     * nothing. Returns the status the VNF has afterwards.
     */
    async activateCreated(args: {
      vnfId: string;
      event: VnfEvent;
    }): Promise<{ status: VnfStatus | 'DELETED' }> {
      const run = lifecycleRunOf(args.vnfId);
      return db.$transaction(async (tx) => {
        const r = await tx.vnf.updateMany({
          where: {
            id: args.vnfId,
            status: 'PENDING_CREATE',
            deletedAt: null,
            ...(run ? { OR: [{ lifecycleRun: null }, { lifecycleRun: run }] } : {}),
          },
          data: { status: 'ACTIVE', errorReason: null },
        });
        const vnf = await tx.vnf.findUnique({
          where: { id: args.vnfId },
          select: { id: true, tenantId: true, status: true, deletedAt: true },
        });
        if (r.count === 1 && vnf) await writeVnfEvent(tx, vnf, args.event);
        return { status: !vnf || vnf.deletedAt ? 'DELETED' : (vnf.status as VnfStatus) };
      });
    },

    /** Stores the monitor's action id when the monitor is created; its first set is a new generation. */
    async setMonitorActionId(args: { vnfId: string; actionId: string }): Promise<void> {
      await db.vnf.update({
        where: { id: args.vnfId },
        data: { monitorActionId: args.actionId, monitorGeneration: { increment: 1 } },
      });
    },

    /** The monitored set changed (instances added): a new generation for the monitor. */
    async bumpMonitorGeneration(vnfId: string): Promise<{ generation: number }> {
      const vnf = await db.vnf.update({
        where: { id: vnfId },
        data: { monitorGeneration: { increment: 1 } },
      });
      return { generation: vnf.monitorGeneration };
    },

    async getVnfStatus(
      vnfId: string,
    ): Promise<{ status: VnfStatus; deleted: boolean; monitorActionId: string | null } | undefined> {
      const vnf = await db.vnf.findUnique({ where: { id: vnfId } });
      return vnf
        ? {
            status: vnf.status as VnfStatus,
            deleted: vnf.deletedAt !== null,
            monitorActionId: vnf.monitorActionId,
          }
        : undefined;
    },
  };
}

export type { VnfEvent };
