// The idempotency of policy actions: one policy_action_executions row per
// (vnfId, actionId, episode). A claim for an episode already done returns the
// recorded outcome, so a retry after any crash never acts twice.
import type { Db, Prisma } from '../../db/client.js';
import type { MonitorEventInput, PolicyActionInput, PolicyActionOutcome } from '../../monitoring/contract.js';
import type { VnfStatus } from '../contract.js';
import { policyActions } from '../metrics.js';
import { writeVnfEvent } from './events.js';
import type { MonitorSet } from './monitor-setup.js';

export type PolicyActionClaim =
  | { kind: 'recorded'; outcome: PolicyActionOutcome }
  | { kind: 'bad_action'; detail: string }
  /** The episode number was used for another failure (an earlier monitor of the VNF). */
  | { kind: 'taken'; detail: string }
  | {
      kind: 'run';
      executionId: string;
      status: VnfStatus;
      /** Recreating actions (respawn, vdu_autoheal) of this VNF within the policy's window. */
      recentRecreations: number;
      lastRecreationAt?: string;
      /**
       * The failed instance is no longer what the monitor saw (deleted, replaced, or another IP):
       * the failure is about something that is gone, and is not acted on.
       */
      stale: boolean;
    };

export const RECREATING_ACTIONS = ['respawn', 'vdu_autoheal'];

export function policyActionRecordActivities(db: Db, monitorSet: (vnfId: string) => Promise<MonitorSet>) {
  const badAction = async (vnfId: string, actionId: string): Promise<string | undefined> => {
    const vnf = await db.vnf.findUnique({ where: { id: vnfId } });
    if (!vnf || vnf.deletedAt) return `VNF ${vnfId} no longer exists`;
    if (vnf.monitorActionId !== actionId) return `monitor action ${actionId} is obsolete for VNF ${vnfId}`;
    return undefined;
  };

  /** The failed instance is still what the monitor saw: live, ACTIVE, at the same address. */
  const instanceIsLive = async (input: { vnfId: string; instanceId: string; ip: string }): Promise<boolean> =>
    (await db.vduInstance.count({
      where: {
        id: input.instanceId,
        vnfId: input.vnfId,
        deletedAt: null,
        status: 'ACTIVE',
        mgmtIp: input.ip,
      },
    })) > 0;

  return {
    async claimPolicyAction(input: PolicyActionInput): Promise<PolicyActionClaim> {
      const existing = await db.policyActionExecution.findUnique({
        where: {
          vnfId_actionId_episode: { vnfId: input.vnfId, actionId: input.actionId, episode: input.episode },
        },
      });
      if (existing && existing.instanceId !== null && existing.instanceId !== input.instanceId) {
        return {
          kind: 'taken',
          detail: `episode ${input.episode} of monitor action ${input.actionId} was ${existing.instanceId}'s failure, not ${input.instanceId}'s`,
        };
      }
      if (existing?.status === 'DONE' && existing.result) {
        return { kind: 'recorded', outcome: existing.result as unknown as PolicyActionOutcome };
      }
      const bad = await badAction(input.vnfId, input.actionId);
      if (bad) return { kind: 'bad_action', detail: bad };
      const vnf = await db.vnf.findUniqueOrThrow({ where: { id: input.vnfId } });
      const row =
        existing ??
        (await db.policyActionExecution
          .create({
            data: {
              vnfId: input.vnfId,
              actionId: input.actionId,
              episode: input.episode,
              action: input.action,
              vduName: input.vduName,
              instanceId: input.instanceId,
              ip: input.ip,
              evidence: input.monitorResult as unknown as Prisma.InputJsonValue,
              request: input as unknown as Prisma.InputJsonValue,
              ...(input.vantage ? { reportedBy: input.vantage.taskQueue } : {}),
            },
          })
          .catch(async (err: unknown) => {
            // A concurrent claim of the same episode won the insert: use its row.
            const again = await db.policyActionExecution.findUnique({
              where: {
                vnfId_actionId_episode: {
                  vnfId: input.vnfId,
                  actionId: input.actionId,
                  episode: input.episode,
                },
              },
            });
            if (!again) throw err;
            return again;
          }));
      const windowStart = new Date(Date.now() - input.policy.parameters.respawn_limit_window * 1000);
      const recent = await db.policyActionExecution.findMany({
        where: {
          vnfId: input.vnfId,
          id: { not: row.id },
          action: { in: RECREATING_ACTIONS },
          startedAt: { gte: windowStart },
          result: { path: ['recreated'], equals: true },
        },
        orderBy: { startedAt: 'desc' },
        select: { finishedAt: true, startedAt: true },
      });
      return {
        kind: 'run',
        executionId: row.id,
        status: vnf.status as VnfStatus,
        recentRecreations: recent.length,
        lastRecreationAt: (recent[0]?.finishedAt ?? recent[0]?.startedAt)?.toISOString(),
        stale: !(await instanceIsLive(input)),
      };
    },

    instanceIsLive,

    async completePolicyAction(args: {
      executionId: string;
      outcome: PolicyActionOutcome;
      recreated: boolean;
    }): Promise<void> {
      const row = await db.$transaction(async (tx) => {
        await tx.recreationSlot.deleteMany({ where: { executionId: args.executionId } });
        return tx.policyActionExecution.update({
          where: { id: args.executionId },
          data: {
            status: 'DONE',
            finishedAt: new Date(),
            result: { ...args.outcome, recreated: args.recreated } as unknown as Prisma.InputJsonValue,
          },
        });
      });
      policyActions.inc({ action: row.action, result: args.outcome.result });
    },

    /** The current monitored set, for outcomes that hand the monitor a new one. */
    monitorSet,

    /** MONITOR events the monitor reports without an action (recovery, refused target, held failure, give-up). */
    async recordMonitorEvent(input: MonitorEventInput): Promise<'ok' | 'bad_action'> {
      if (await badAction(input.vnfId, input.actionId)) return 'bad_action';
      if (input.kind === 'recovered' && input.episode !== undefined) {
        // A held action whose target answers again leaves its hold: nothing to do for it.
        await db.policyActionExecution.updateMany({
          where: { vnfId: input.vnfId, actionId: input.actionId, episode: input.episode, gate: 'HELD' },
          data: { gate: 'RECOVERED' },
        });
      }
      const vnf = await db.vnf.findUniqueOrThrow({ where: { id: input.vnfId } });
      await writeVnfEvent(db, vnf, {
        type: 'MONITOR',
        state: vnf.status,
        message: input.detail,
        details: {
          kind: input.kind,
          vdu: input.vduName,
          instance_id: input.instanceId,
          target: input.ip,
          ...(input.episode !== undefined ? { episode: input.episode } : {}),
        },
      });
      return 'ok';
    },
  };
}
