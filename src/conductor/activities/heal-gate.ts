// The healing gate's database and probe steps (docs/monitoring.md, "Healing
// safety"): before a destructive action the conductor confirms the failure
// from its own vantage, looks for failures correlated across the action's
// VIM or reporting worker (and holds destructive actions there if so), and
// keeps recreations in flight under a limit per VIM and per fleet.
import { log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { HealSettings } from '../../config.js';
import { Prisma, type Db } from '../../db/client.js';
import { loopQueueOf, workerPresenceWorkflowId } from '../../monitoring/contract.js';
import type { MonitoringPolicy } from '../../monitoring/policy.js';
import type { PingEngine } from '../../probes/index.js';
import { healHoldsOpened, healPeersFailing, healUnconfirmed } from '../metrics.js';
import { probeFromConductor } from './conductor-probe.js';
import { writeVnfEvent } from './events.js';

export interface ConfirmInput {
  executionId: string;
  vnfId: string;
  instanceId: string;
  ip: string;
  policy: MonitoringPolicy;
  /** The reporting worker's loop queue. */
  reportedBy?: string;
}

export type ConfirmResult =
  | { confirmed: true; detail: string }
  | {
      confirmed: false;
      detail: string;
      /** The target fails from the conductor too, but so do enough of its VIM's other targets: correlated, whatever the reports show yet. */
      peersFailing?: boolean;
      /** Take the reporting worker out of probing (repeated unconfirmed failures, and others can take over). */
      quarantine?: { untilMs: number; reason: string };
    };

export type CorrelateResult =
  { held: false; detail: string } | { held: true; holdId: string; opened: boolean; detail: string };

/** Serialises correlation decisions and slot grants across conductor replicas. */
export const CORRELATE_LOCK = 72707370;
const SLOTS_LOCK = 72707371;

/**
 * VNFs of a scope with a failure the monitor saw at or after `since`. The monitor's time
 * (evidence.lastProbeAt), not the row's: after a blip a backlogged conductor goes on opening
 * actions for failures seen during it, and those must not look like a new correlated failure.
 * A failure a second vantage did not see (UNCONFIRMED) is the reporting worker's, not its VIM's.
 */
async function failedSince(tx: Prisma.TransactionClient, since: Date, scope: Prisma.Sql): Promise<number> {
  const rows = await tx.$queryRaw<{ n: bigint }[]>`
    SELECT count(DISTINCT p.vnf_id) AS n
      FROM policy_action_executions p JOIN vnfs v ON v.id = p.vnf_id
     WHERE ${scope}
       AND p.started_at >= ${since}
       AND (p.gate IS NULL OR p.gate <> 'UNCONFIRMED')
       AND CASE WHEN p.evidence->>'lastProbeAt' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
                THEN (p.evidence->>'lastProbeAt')::timestamptz ELSE p.started_at END >= ${since}`;
  return Number(rows[0]?.n ?? 0);
}

export function healGateActivities(
  db: Db,
  client: Client,
  settings: HealSettings,
  monitorTaskQueue: string,
  pingEngine: PingEngine = 'batch',
) {
  /**
   * Live monitor workers other than `worker` that are not quarantined themselves: a quarantine
   * must leave one that probes. Live means its presence workflow runs (it ends within
   * VNFM_MONITOR_HEARTBEAT_TIMEOUT of the worker's death); Temporal's poller list would still
   * show a dead worker for minutes.
   */
  async function otherProbingWorkers(worker: string): Promise<number> {
    const prefix = workerPresenceWorkflowId('');
    const live: string[] = [];
    try {
      for await (const w of client.workflow.list({
        query: `WorkflowType = 'monitorWorkerPresence' AND ExecutionStatus = 'Running' AND TaskQueue = '${monitorTaskQueue}'`,
      }))
        if (w.workflowId.startsWith(prefix))
          live.push(loopQueueOf(monitorTaskQueue, w.workflowId.slice(prefix.length)));
    } catch (err) {
      log.warn('live monitor workers unknown (visibility): no quarantine', { error: (err as Error).message });
      return 0;
    }
    const others = live.filter((q) => q !== worker);
    const out = await quarantined(others);
    return others.filter((q) => !out.has(q)).length;
  }

  /** Which of `workers` are in a quarantine now (a QUARANTINED event within its length). */
  async function quarantined(workers: string[]): Promise<Set<string>> {
    if (!workers.length) return new Set();
    const rows = await db.event.findMany({
      where: {
        resourceType: 'monitor_worker',
        resourceState: 'QUARANTINED',
        resourceId: { in: workers },
        timestamp: { gte: new Date(Date.now() - settings.quarantineForMs) },
      },
      select: { resourceId: true },
    });
    return new Set(rows.map((r) => r.resourceId));
  }

  /**
   * When the conductor sees a target fail, it probes up to `confirmPeers` other monitored targets
   * of the same VIM, VNFD and VDU (so the same policy), chosen at random. Enough of them failing
   * is a correlated failure the monitors' reports may not show yet: after a blip of a large fleet
   * they reach the conductor over minutes, and the first few would otherwise find a window with
   * too few failures in it.
   */
  async function failingPeers(
    vnf: { id: string; vimId: string; vnfdId: string; vim: { type: string; config: unknown } },
    input: ConfirmInput,
  ): Promise<{ failed: number; sampled: number; examples: string[] } | undefined> {
    if (settings.confirmPeers < 1) return undefined;
    const peers = await db.$queryRaw<{ ip: string }[]>`
      SELECT i.mgmt_ip AS ip
        FROM vnfs v JOIN vdu_instances i ON i.vnf_id = v.id
       WHERE v.vim_id = ${vnf.vimId}::uuid AND v.vnfd_id = ${vnf.vnfdId}::uuid AND v.id <> ${vnf.id}::uuid
         AND v.deleted_at IS NULL AND v.status = 'ACTIVE' AND v.monitor_action_id IS NOT NULL
         AND i.vdu_name = (SELECT vdu_name FROM policy_action_executions WHERE id = ${input.executionId}::uuid)
         AND i.status = 'ACTIVE' AND i.deleted_at IS NULL
         AND i.mgmt_ip IS NOT NULL AND i.mgmt_ip <> ${input.ip}
       ORDER BY random() LIMIT ${settings.confirmPeers}`;
    // As a hold counts: this target and the failing peers make at least VNFM_HEAL_HOLD_MIN, and
    // the failing share of the peers probed is at least VNFM_HEAL_HOLD_SHARE.
    if (1 + peers.length < settings.holdMin) return undefined;
    const results = await Promise.all(
      peers.map((p) => probeFromConductor(vnf.vim, p.ip, input.policy, pingEngine)),
    );
    // A round the conductor could not run is no evidence either way.
    const ran = results.filter((x) => !x.fault);
    const failed = peers.filter((_, i) => !results[i]!.fault && !results[i]!.ok).map((p) => p.ip);
    if (1 + failed.length < settings.holdMin || failed.length / Math.max(1, ran.length) < settings.holdShare)
      return undefined;
    return { failed: failed.length, sampled: ran.length, examples: failed.slice(0, 3) };
  }

  /** Where the gate left the action, and a MONITOR event on its VNF saying why (plus `more`, in the same transaction). */
  async function gateWithEvent(
    vnf: Parameters<typeof writeVnfEvent>[1] & { status: string },
    input: ConfirmInput,
    gate: string,
    detail: string,
    details: Record<string, unknown>,
    more?: (tx: Prisma.TransactionClient) => Promise<void>,
  ): Promise<void> {
    await db.$transaction(async (tx) => {
      await tx.policyActionExecution.update({ where: { id: input.executionId }, data: { gate } });
      await more?.(tx);
      await writeVnfEvent(tx, vnf, {
        type: 'MONITOR',
        state: vnf.status,
        message: detail,
        details: { ...details, instance_id: input.instanceId, target: input.ip },
      });
    });
  }

  return {
    async healSettings(): Promise<HealSettings> {
      return settings;
    },

    /** Probes the target once from the conductor, with the monitor's driver and parameters; a round it could not run confirms nothing. */
    async confirmFailure(input: ConfirmInput): Promise<ConfirmResult> {
      const vnf = await db.vnf.findUniqueOrThrow({ where: { id: input.vnfId }, include: { vim: true } });
      // The peers are probed alongside the target, so a confirmed failure waits no longer for them.
      const peersFailing = failingPeers(vnf, input).catch((err: unknown) => {
        log.warn('peers of a failed target not probed', { error: (err as Error).message });
        return undefined;
      });
      const r = await probeFromConductor(vnf.vim, input.ip, input.policy, pingEngine);
      if (r.fault) {
        // The conductor could not probe: no second vantage, so no action (the monitor asks again).
        const detail = `not acted on: the conductor could not probe ${input.ip} to confirm the failure (${r.error}); fix the conductor's probe tool`;
        await gateWithEvent(vnf, input, 'UNCHECKED', detail, { kind: 'unchecked', error: r.error });
        return { confirmed: false, detail };
      }
      if (!r.ok) {
        const peers = await peersFailing;
        if (peers) {
          // Evidence the manager's own path (or the whole VIM) could explain: no action on it now.
          // The row counts towards the VIM's correlation; the monitor asks again after the window.
          const detail = `not acted on yet: ${input.ip} fails from the conductor too, but so do ${peers.failed} of ${peers.sampled} other targets of VIM ${vnf.vim.name} it probed (${peers.examples.join(', ')}): the path to the VIM or the VIM itself is failing, not this VNF alone; judged again later`;
          await gateWithEvent(vnf, input, 'PEERS_FAILING', detail, {
            kind: 'peers_failing',
            peers_failed: peers.failed,
            peers_probed: peers.sampled,
          });
          healPeersFailing.inc();
          return { confirmed: false, detail, peersFailing: true };
        }
        await db.policyActionExecution.update({
          where: { id: input.executionId },
          data: { gate: 'CONFIRMED' },
        });
        return {
          confirmed: true,
          detail: `the conductor's own ${input.policy.driver} fails too (${r.error ?? 'no answer'})`,
        };
      }
      const worker = input.reportedBy ?? 'unknown';
      // A target of a VIM under a correlated failure (open, or over within a window) that answers
      // now has most likely come back with its VIM: no mark against the worker that saw it fail.
      const vimHold = await db.healHold.findFirst({
        where: {
          scopeType: 'vim',
          scopeId: vnf.vimId,
          OR: [
            { state: { in: ['HELD', 'RELEASED'] } },
            { endedAt: { gte: new Date(Date.now() - settings.holdWindowMs) } },
          ],
        },
        select: { id: true },
      });
      const detail = vimHold
        ? `not acted on: ${input.ip} answers the conductor's ${input.policy.driver} (${r.latencyMs ?? '?'} ms) again; its VIM's correlated failure (hold ${vimHold.id}) is over for it`
        : `not acted on: ${input.ip} answers the conductor's ${input.policy.driver} (${r.latencyMs ?? '?'} ms) though monitor worker ${worker} saw it fail; that worker's probe path is suspect`;
      await gateWithEvent(vnf, input, 'UNCONFIRMED', detail, { kind: 'unconfirmed', worker }, async (tx) => {
        if (!vimHold)
          await tx.probePathFault.create({
            data: { worker, vnfId: input.vnfId, instanceId: input.instanceId, ip: input.ip },
          });
      });
      healUnconfirmed.inc({ worker });
      if (!input.reportedBy || vimHold) return { confirmed: false, detail };
      const since = new Date(Date.now() - settings.holdLimitMs);
      const faults = await db.probePathFault.count({ where: { worker, at: { gte: since } } });
      if (faults < settings.quarantineAfter) return { confirmed: false, detail };
      // Already out of probing: its loops are moving; nothing to add.
      if ((await quarantined([worker])).size) return { confirmed: false, detail };
      // Never the last worker that probes: an unreliable path beats none at all (actions are gated anyway).
      if ((await otherProbingWorkers(worker)) < 1) {
        log.warn('monitor worker not quarantined: no other worker probes', { worker, faults });
        return { confirmed: false, detail };
      }
      const reason = `${faults} failures it reported within ${settings.holdLimitMs / 1000} s were not confirmed by the conductor`;
      await db.event.create({
        data: {
          resourceId: worker,
          resourceType: 'monitor_worker',
          resourceState: 'QUARANTINED',
          eventType: 'MONITOR',
          eventDetails: {
            message: `monitor worker ${worker} taken out of probing for ${settings.quarantineForMs / 1000} s: ${reason}`,
            worker,
          } as Prisma.InputJsonValue,
        },
      });
      return {
        confirmed: false,
        detail,
        quarantine: { untilMs: Date.now() + settings.quarantineForMs, reason },
      };
    },

    /**
     * Counts failures that started within the window in the action's VIM and reporting worker
     * (started: seen by the monitor — not when a busy conductor got round to the report).
     * An open hold of either scope takes the action in; enough failures open one (once per scope:
     * a partial unique index) with an event on the VIM or worker.
     */
    async correlateFailure(args: { executionId: string; vantageVnfs?: number }): Promise<CorrelateResult> {
      return db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CORRELATE_LOCK})`;
        const row = await tx.policyActionExecution.findUniqueOrThrow({
          where: { id: args.executionId },
          include: { vnf: { include: { vim: true } } },
        });
        const since = new Date(Date.now() - settings.holdWindowMs);
        const scopes: {
          type: 'vim' | 'worker';
          id: string;
          total: () => Promise<number>;
          failed: () => Promise<number>;
        }[] = [
          {
            type: 'vim',
            id: row.vnf.vimId,
            total: async () =>
              tx.vnf.count({
                where: { vimId: row.vnf.vimId, deletedAt: null, monitorActionId: { not: null } },
              }),
            failed: () => failedSince(tx, since, Prisma.sql`v.vim_id = ${row.vnf.vimId}::uuid`),
          },
        ];
        if (row.reportedBy)
          scopes.push({
            type: 'worker',
            id: row.reportedBy,
            total: async () => args.vantageVnfs ?? 0,
            failed: () => failedSince(tx, since, Prisma.sql`p.reported_by = ${row.reportedBy}`),
          });
        for (const scope of scopes) {
          const open = await tx.healHold.findFirst({
            where: { scopeType: scope.type, scopeId: scope.id, state: { in: ['HELD', 'RELEASED'] } },
          });
          // A released hold lets new failures of its scope through (at the recreation limits).
          if (open?.state === 'RELEASED') continue;
          if (open) {
            await tx.policyActionExecution.update({
              where: { id: row.id },
              data: { gate: 'HELD', holdId: open.id },
            });
            return { held: true, holdId: open.id, opened: false, detail: `held: ${open.reason}` };
          }
          const failed = await scope.failed();
          const total = Math.max(await scope.total(), failed);
          const correlated =
            failed >= settings.holdMin &&
            (failed / total >= settings.holdShare || failed >= settings.holdCount);
          if (!correlated) continue;
          const where =
            scope.type === 'vim' ? `VIM ${row.vnf.vim.name} (${scope.id})` : `monitor worker ${scope.id}`;
          const reason = `correlated failure in ${where}: ${failed} of ${total} VNFs failed within ${settings.holdWindowMs / 1000} s; destructive actions held`;
          const hold = await tx.healHold.create({
            data: {
              scopeType: scope.type,
              scopeId: scope.id,
              reason,
              failed,
              total,
              windowSeconds: Math.round(settings.holdWindowMs / 1000),
              limitAt: new Date(Date.now() + settings.holdLimitMs),
            },
          });
          await tx.event.create({
            data: {
              tenantId: scope.type === 'vim' ? row.vnf.vim.tenantId : null,
              resourceId: scope.id,
              resourceType: scope.type === 'vim' ? 'vim' : 'monitor_worker',
              resourceState: 'HELD',
              eventType: 'MONITOR',
              eventDetails: { message: reason, hold_id: hold.id, failed, total } as Prisma.InputJsonValue,
            },
          });
          await tx.policyActionExecution.update({
            where: { id: row.id },
            data: { gate: 'HELD', holdId: hold.id },
          });
          healHoldsOpened.inc({ scope: scope.type });
          return { held: true, holdId: hold.id, opened: true, detail: `held: ${reason}` };
        }
        return { held: false, detail: 'no correlated failure' };
      });
    },

    /**
     * Grants a recreation slot when fewer than the limits are in flight on the VIM and in the
     * fleet. Slots of finished actions do not count (a terminated workflow cannot hold one).
     */
    async acquireRecreationSlot(args: {
      executionId: string;
      vnfId: string;
    }): Promise<{ granted: boolean; detail: string }> {
      return db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SLOTS_LOCK})`;
        if (await tx.recreationSlot.findUnique({ where: { executionId: args.executionId } }))
          return { granted: true, detail: 'slot held' };
        const vnf = await tx.vnf.findUniqueOrThrow({ where: { id: args.vnfId }, select: { vimId: true } });
        const live = { execution: { status: { not: 'DONE' } } };
        const [all, onVim] = await Promise.all([
          tx.recreationSlot.count({ where: live }),
          tx.recreationSlot.count({ where: { ...live, vimId: vnf.vimId } }),
        ]);
        if (all >= settings.maxRecreations || onVim >= settings.maxRecreationsPerVim) {
          await tx.policyActionExecution.update({
            where: { id: args.executionId },
            data: { gate: 'QUEUED' },
          });
          return {
            granted: false,
            detail: `queued: ${onVim} recreation(s) in flight on the VIM (limit ${settings.maxRecreationsPerVim}), ${all} in the fleet (limit ${settings.maxRecreations})`,
          };
        }
        await tx.policyActionExecution.update({
          where: { id: args.executionId },
          data: { gate: 'RECREATING' },
        });
        await tx.recreationSlot.create({ data: { executionId: args.executionId, vimId: vnf.vimId } });
        return { granted: true, detail: 'slot granted' };
      });
    },
  };
}

export type HealGateActivities = ReturnType<typeof healGateActivities>;
