// Claiming a scale operation: the policy must exist, the VNF must be ACTIVE,
// outside its cooldown, and the result within min..max — all checked in the
// transaction that moves it to PENDING_SCALE_*, so two scales never overlap.
import type { Db } from '../../db/client.js';
import type { ParsedVnfd } from '../../vnfd/types.js';
import { scalingPolicyFor } from '../../vnfd/scaling.js';
import type { Acceptance } from '../contract.js';
import { writeVnfEvent } from './events.js';
import { lifecycleRunOf } from './heartbeat.js';
import type { ScalePlan, ScaleRequest } from './types.js';

export function scalingActivities(db: Db) {
  return {
    async claimScale(req: ScaleRequest): Promise<{ acceptance: Acceptance; plan?: ScalePlan }> {
      return db.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM vnfs WHERE id = ${req.vnfId}::uuid AND deleted_at IS NULL FOR UPDATE`;
        const refuse = (reason: 'not_found' | 'conflict' | 'invalid', type: string, message: string) => ({
          acceptance: { accepted: false as const, reason, type, message },
        });
        if (!rows[0]) return refuse('not_found', 'VNFNotFound', `VNF ${req.vnfId} could not be found`);
        const vnf = await tx.vnf.findUniqueOrThrow({ where: { id: req.vnfId }, include: { vnfd: true } });
        if (req.type !== 'out' && req.type !== 'in') {
          return refuse(
            'invalid',
            'InvalidScaleType',
            `scale type must be "out" or "in", not ${JSON.stringify(req.type)}`,
          );
        }
        const policy = scalingPolicyFor(vnf.vnfd.parsed as unknown as ParsedVnfd, req.policy);
        if (!policy) {
          return refuse(
            'not_found',
            'VnfPolicyNotFound',
            `scaling policy ${req.policy} is not defined for VNF ${req.vnfId}`,
          );
        }
        if (vnf.status !== 'ACTIVE') {
          return refuse('conflict', 'VNFInUse', `VNF ${req.vnfId} is ${vnf.status}; scaling needs ACTIVE`);
        }
        if (policy.cooldown > 0) {
          const last = await tx.event.findFirst({
            where: { resourceId: vnf.id, eventType: 'SCALE', resourceState: 'ACTIVE' },
            orderBy: { id: 'desc' },
          });
          const until = last ? last.timestamp.getTime() + policy.cooldown * 1000 : 0;
          if (until > Date.now()) {
            return refuse(
              'conflict',
              'VNFScaleCooldown',
              `scaling policy ${policy.name} is cooling down for another ${Math.ceil((until - Date.now()) / 1000)} s`,
            );
          }
        }
        const live = await tx.vduInstance.findMany({
          where: { vnfId: vnf.id, deletedAt: null, vduName: { in: policy.targets } },
          orderBy: { index: 'asc' },
        });
        const plan: ScalePlan = { add: [], remove: [] };
        for (const vdu of policy.targets) {
          const mine = live.filter((i) => i.vduName === vdu);
          const target = mine.length + (req.type === 'out' ? policy.increment : -policy.increment);
          if (target > policy.maxInstances || target < policy.minInstances) {
            return refuse(
              'conflict',
              'VNFScaleLimit',
              `scaling ${req.type} ${vdu} from ${mine.length} to ${target} instances is outside ${policy.name}'s range ${policy.minInstances}..${policy.maxInstances}`,
            );
          }
          if (req.type === 'out') {
            const used = new Set(mine.map((i) => i.index));
            for (
              let index = 0;
              plan.add.filter((a) => a.vduName === vdu).length < policy.increment;
              index++
            ) {
              if (!used.has(index)) plan.add.push({ vduName: vdu, index });
            }
          } else {
            plan.remove.push(...mine.slice(-policy.increment).map((i) => i.id));
          }
        }
        const to = req.type === 'out' ? 'PENDING_SCALE_OUT' : 'PENDING_SCALE_IN';
        const run = lifecycleRunOf(vnf.id);
        await tx.vnf.update({
          where: { id: vnf.id },
          data: { status: to, ...(run ? { lifecycleRun: run } : {}) },
        });
        await writeVnfEvent(tx, vnf, {
          type: 'SCALE',
          state: to,
          message: `scale ${req.type} by ${policy.name} requested`,
          details: { policy: policy.name, type: req.type, plan },
        });
        return { acceptance: { accepted: true, status: to }, plan };
      });
    },
  };
}
