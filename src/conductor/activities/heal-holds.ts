// A correlated-failure hold's life, driven by its coordinator workflow
// (healHoldWorkflow): members whose targets answer again leave it (the
// conductor probes them every round, and their monitors report recoveries
// too); when the scope has recovered, the hold ends
// with no action taken, and members that still fail are acted on one by one;
// past its limit an operator releases or cancels it (or the auto-release
// setting releases it), and released members are handed out no faster than
// the recreation limits let them run.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { HealSettings } from '../../config.js';
import type { Db, Prisma } from '../../db/client.js';
import type { PolicyActionInput } from '../../monitoring/contract.js';
import { ANSWERED_PHASE, tellActionPhase } from './action-phase.js';
import { probeFromConductor } from './conductor-probe.js';
import { inBatches } from './in-batches.js';
import { CORRELATE_LOCK } from './heal-gate.js';
import type { RunClaim } from '../workflows/policy-actions/context.js';

export type HoldDecision = 'release' | 'cancel';

export interface HoldRound {
  /** The hold is over: the coordinator completes. */
  done: boolean;
  state: string;
  /** Held actions to run now (released, or left failing once the scope recovered). */
  release: string[];
  /** The last round (ms epoch) whose held members still made a correlated failure; the coordinator passes it back. */
  correlatedAtMs?: number;
}

const OPEN = ['HELD', 'RELEASED'];
/** Probes of a member still failing when its hold ends, before it counts as a real failure. */
const END_PROBE_TRIES = 3;
const END_PROBE_SPACING_MS = 1000;
/** Conductor probes in flight at once (fping batches them; http_ping opens a connection each). */
const PROBES_AT_ONCE = 2000;

export function healHoldActivities(db: Db, client: Client, settings: HealSettings) {
  async function holdEvent(
    tx: Prisma.TransactionClient | Db,
    hold: { id: string; scopeType: string; scopeId: string },
    state: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    const vim =
      hold.scopeType === 'vim'
        ? await tx.vim.findUnique({ where: { id: hold.scopeId }, select: { tenantId: true } })
        : null;
    await tx.event.create({
      data: {
        tenantId: vim?.tenantId ?? null,
        resourceId: hold.scopeId,
        resourceType: hold.scopeType === 'vim' ? 'vim' : 'monitor_worker',
        resourceState: state,
        eventType: 'MONITOR',
        eventDetails: { message, hold_id: hold.id, ...extra } as Prisma.InputJsonValue,
      },
    });
  }

  /**
   * Members whose target answers the conductor leave the hold with no action. Their monitors are
   * told first (the held episode ends, a target that still fails from there is judged afresh), so
   * a crash between the two re-sends, never loses it; one not told would keep its episode held for
   * good, and a target failing from its vantage would never be acted on.
   */
  async function recover(members: { id: string; vnfId: string; actionId: string; episode: number }[]) {
    if (!members.length) return;
    await tellActionPhase(client, members, ANSWERED_PHASE, true);
    await db.policyActionExecution.updateMany({
      where: { id: { in: members.map((m) => m.id) }, gate: 'HELD' },
      data: { gate: 'RECOVERED' },
    });
  }

  /**
   * The members whose target answers the conductor now (one answer in a few tries is enough;
   * a round the conductor could not run counts as an answer: it is no evidence for an action). A loaded monitor worker can report a
   * recovery moments after the scope looks recovered; without this look such a member would be
   * released and its healthy VNF recreated.
   */
  async function answeringNow(ids: string[]): Promise<string[]> {
    // Several tries: a member found failing here is acted on (recreated), and one lost probe on a
    // busy conductor must not be the evidence for that. A round the conductor could not run is no
    // evidence of a failure either: no action on it.
    return answering(ids, END_PROBE_TRIES, true);
  }

  /**
   * The given members whose target answers the conductor within `tries` probes (all members at
   * once, so the batch engine sends them in a few fping processes). `faultAnswers`: whether a
   * probe the conductor could not run counts as an answer.
   */
  async function answering(ids: string[], tries: number, faultAnswers: boolean): Promise<string[]> {
    if (!ids.length) return [];
    const rows = await db.policyActionExecution.findMany({
      where: { id: { in: ids } },
      select: { id: true, request: true, vnf: { select: { vim: { select: { type: true, config: true } } } } },
    });
    const answers = await inBatches(rows, PROBES_AT_ONCE, async (r) => {
      const req = r.request as unknown as PolicyActionInput | null;
      if (!req) return false;
      for (let i = 0; i < tries; i++) {
        if (i > 0) await sleep(END_PROBE_SPACING_MS);
        const res = await probeFromConductor(r.vnf.vim, req.ip, req.policy).catch((err: unknown) => ({
          ok: false,
          fault: true,
          error: String(err),
        }));
        if (res.ok || (faultAnswers && res.fault)) return true;
      }
      return false;
    });
    return rows.filter((_, i) => answers[i]).map((r) => r.id);
  }

  /**
   * Held members whose target answers the conductor now leave the hold with no action, without
   * waiting for their monitors to report the recovery: after a blip of a large fleet those
   * reports queue behind thousands of others for minutes, and the hold (and the real failures
   * under it) with them. One answer is enough to take no action; a probe the conductor could not
   * run is no answer here. Their monitors are told first (the held episode ends, a target that
   * still fails from there is judged afresh), so a crash between the two re-sends, never loses it.
   */
  async function leaveOnAnswer(
    pending: { id: string; vnfId: string; actionId: string; episode: number }[],
  ): Promise<Set<string>> {
    const ids = new Set(
      await answering(
        pending.map((m) => m.id),
        1,
        false,
      ),
    );
    await recover(pending.filter((m) => ids.has(m.id)));
    return ids;
  }

  return {
    /** One look at the hold: end it, report its limit, or hand out released members. */
    async holdRound(holdId: string, correlatedAtMs?: number): Promise<HoldRound> {
      const now = Date.now();
      const hold = await db.healHold.findUniqueOrThrow({ where: { id: holdId } });
      if (!OPEN.includes(hold.state)) return { done: true, state: hold.state, release: [] };
      const members = await db.policyActionExecution.findMany({
        where: { holdId },
        select: {
          id: true,
          vnfId: true,
          actionId: true,
          episode: true,
          gate: true,
          status: true,
          result: true,
          startedAt: true,
        },
      });
      let pending = members.filter((m) => m.gate === 'HELD');
      let recovered = members.filter((m) => m.gate === 'RECOVERED').length;
      if (hold.state === 'HELD') {
        const left = await leaveOnAnswer(pending);
        pending = pending.filter((m) => !left.has(m.id));
        recovered += left.size;
      }
      const markReleased = async (ids: string[], phase: string) => {
        if (!ids.length) return [];
        await db.policyActionExecution.updateMany({
          where: { id: { in: ids }, gate: 'HELD' },
          data: { gate: 'RELEASED' },
        });
        await tellActionPhase(
          client,
          pending.filter((m) => ids.includes(m.id)),
          phase,
        );
        return ids;
      };

      if (hold.state === 'HELD') {
        const stillCorrelated =
          pending.length >= settings.holdMin &&
          (pending.length / Math.max(1, hold.total) >= settings.holdShare ||
            pending.length >= settings.holdCount);
        // Over once its held members have made no correlated failure for a whole window. Not
        // "no member joined for a window": after a blip a busy conductor goes on handing in the
        // fleet's late reports, and single real failures join too — neither is the blip going on.
        const correlatedAt = stillCorrelated ? now : Math.max(hold.startedAt.getTime(), correlatedAtMs ?? 0);
        const quiet = now - correlatedAt > settings.holdWindowMs;
        if (quiet && !stillCorrelated) {
          // The scope recovered: no action for those that answer again; the rest are single failures.
          const late = await answeringNow(pending.map((m) => m.id));
          await recover(pending.filter((m) => late.includes(m.id)));
          const answered = recovered + late.length;
          const failing = pending.filter((m) => !late.includes(m.id));
          const message =
            failing.length === 0
              ? `correlated failure over: all ${answered} held target(s) answer again; no action taken`
              : `correlated failure over: ${answered} held target(s) answer again, no action for them; ${failing.length} still failing, acted on one by one`;
          const ended = await db.$transaction(async (tx) => {
            // Joins take this lock too (correlateFailure): none lands in a hold that has ended.
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CORRELATE_LOCK})`;
            // A failure that joined during this look is not in it: it is judged next round, or it
            // would stay held in an ended hold — its monitor waiting for good, a real fault never acted on.
            const joined = await tx.policyActionExecution.count({
              where: { holdId, gate: 'HELD', id: { notIn: members.map((m) => m.id) } },
            });
            if (joined) return false;
            await tx.healHold.update({
              where: { id: holdId },
              data: { state: 'ENDED', endedAt: new Date() },
            });
            await holdEvent(tx, hold, 'ENDED', message, {
              recovered: answered,
              still_failing: failing.length,
            });
            return true;
          });
          if (!ended) return { done: false, state: 'HELD', release: [], correlatedAtMs: correlatedAt };
          const release = await markReleased(
            failing.map((m) => m.id),
            'the correlated failure is over and this target still fails: acted on',
          );
          return { done: true, state: 'ENDED', release };
        }
        if (now >= hold.limitAt.getTime()) {
          if (settings.autoRelease) {
            await db.$transaction(async (tx) => {
              await tx.healHold.update({
                where: { id: holdId },
                data: {
                  state: 'RELEASED',
                  decidedAt: new Date(),
                  decidedBy: 'auto-release (VNFM_HEAL_HOLD_AUTO_RELEASE)',
                },
              });
              await holdEvent(
                tx,
                hold,
                'RELEASED',
                `hold past its limit of ${settings.holdLimitMs / 1000} s: ${pending.length} held action(s) released at the recreation limits`,
              );
            });
            return { done: false, state: 'RELEASED', release: [] };
          }
          if (!hold.limitReported) {
            await db.$transaction(async (tx) => {
              await tx.healHold.update({ where: { id: holdId }, data: { limitReported: true } });
              await holdEvent(
                tx,
                hold,
                'HELD',
                `hold past its limit of ${settings.holdLimitMs / 1000} s with ${pending.length} target(s) still failing: an operator decides (vnfm hold release ${holdId}, or vnfm hold cancel ${holdId})`,
              );
            });
            await tellActionPhase(
              client,
              pending,
              `held past its limit: waiting for an operator (vnfm hold release|cancel ${holdId})`,
            );
          }
        }
        return { done: false, state: 'HELD', release: [], correlatedAtMs: correlatedAt };
      }

      // RELEASED: hand out as many as the recreation limits can take now; the others stay queued.
      const inFlight = await db.recreationSlot.count({ where: { execution: { status: { not: 'DONE' } } } });
      const room = Math.max(0, settings.maxRecreations - inFlight);
      const running = members.filter(
        (m) =>
          ['RELEASED', 'QUEUED', 'RECREATING'].includes(m.gate ?? '') &&
          // released and not started yet (its deferred result), or running
          (m.status !== 'DONE' || (m.result as { result?: string } | null)?.result === 'deferred'),
      ).length;
      const release = await markReleased(
        pending.slice(0, Math.max(0, room - running)).map((m) => m.id),
        'released: acting now, at the recreation limits',
      );
      if (pending.length === 0 && running === 0) {
        await db.$transaction(async (tx) => {
          await tx.healHold.update({ where: { id: holdId }, data: { state: 'ENDED', endedAt: new Date() } });
          await holdEvent(
            tx,
            hold,
            'ENDED',
            `released hold done: ${members.length - recovered} action(s) run, ${recovered} target(s) recovered first`,
          );
        });
        return { done: true, state: 'ENDED', release };
      }
      return { done: false, state: 'RELEASED', release };
    },

    /** An operator's (or the API's) decision on a hold that waits. */
    async decideHold(args: {
      holdId: string;
      decision: HoldDecision;
      by: string;
    }): Promise<{ state: string; detail: string }> {
      const hold = await db.healHold.findUniqueOrThrow({ where: { id: args.holdId } });
      if (hold.state !== 'HELD')
        return { state: hold.state, detail: `hold ${args.holdId} is ${hold.state}: nothing to decide` };
      const state = args.decision === 'release' ? 'RELEASED' : 'CANCELLED';
      const pending = await db.$transaction(async (tx) => {
        // As a join does (correlateFailure): no failure joins while it is being decided.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CORRELATE_LOCK})`;
        const pending = await tx.policyActionExecution.findMany({
          where: { holdId: args.holdId, gate: 'HELD' },
          select: { id: true, vnfId: true, actionId: true, episode: true },
        });
        await tx.healHold.update({
          where: { id: args.holdId },
          data: {
            state,
            decidedAt: new Date(),
            decidedBy: args.by,
            ...(state === 'CANCELLED' ? { endedAt: new Date() } : {}),
          },
        });
        if (state === 'CANCELLED')
          await tx.policyActionExecution.updateMany({
            where: { holdId: args.holdId, gate: 'HELD' },
            data: { gate: 'CANCELLED' },
          });
        await holdEvent(
          tx,
          hold,
          state,
          state === 'RELEASED'
            ? `hold released by ${args.by}: ${pending.length} held action(s) run at the recreation limits`
            : `hold cancelled by ${args.by}: ${pending.length} held action(s) dropped; their targets are watched and acted on only after they recover and fail again`,
        );
        return pending;
      });
      if (state === 'CANCELLED')
        await tellActionPhase(
          client,
          pending,
          `held action cancelled by ${args.by}: no action until the target recovers`,
        );
      return { state, detail: `hold ${args.holdId} ${state.toLowerCase()}` };
    },

    /** A released member's request and a fresh claim (guards and staleness as of now), or why not to run it. */
    async reclaimHeldAction(
      executionId: string,
    ): Promise<{ run: true; input: PolicyActionInput; claim: RunClaim } | { run: false; reason: string }> {
      const row = await db.policyActionExecution.findUniqueOrThrow({
        where: { id: executionId },
        include: { vnf: true },
      });
      const result = row.result as { result?: string } | null;
      if (
        !['RELEASED', 'QUEUED', 'RECREATING'].includes(row.gate ?? '') ||
        (result && result.result !== 'deferred')
      )
        return { run: false, reason: `not released (gate ${row.gate}, result ${result?.result ?? 'none'})` };
      if (!row.request || row.vnf.deletedAt) {
        // Never run: it no longer counts as released (the hold does not wait for it).
        await db.policyActionExecution.updateMany({
          where: { id: row.id, gate: row.gate },
          data: { gate: 'CANCELLED' },
        });
        return { run: false, reason: row.request ? 'the VNF is gone' : 'no request recorded' };
      }
      const input = row.request as unknown as PolicyActionInput;
      const windowStart = new Date(Date.now() - input.policy.parameters.respawn_limit_window * 1000);
      const recent = await db.policyActionExecution.findMany({
        where: {
          vnfId: row.vnfId,
          id: { not: row.id },
          action: { in: ['respawn', 'vdu_autoheal'] },
          startedAt: { gte: windowStart },
          result: { path: ['recreated'], equals: true },
        },
        orderBy: { startedAt: 'desc' },
        select: { finishedAt: true, startedAt: true },
      });
      // Running again: its recreation slot counts against the limits only while its row is not DONE
      // (a deferred action was completed as such), and the hold waits for it.
      if (row.status === 'DONE')
        await db.policyActionExecution.update({
          where: { id: row.id },
          data: { status: 'RUNNING', finishedAt: null },
        });
      const live = await db.vduInstance.count({
        where: {
          id: input.instanceId,
          vnfId: input.vnfId,
          deletedAt: null,
          status: 'ACTIVE',
          mgmtIp: input.ip,
        },
      });
      return {
        run: true,
        input,
        claim: {
          kind: 'run',
          executionId: row.id,
          status: row.vnf.status as RunClaim['status'],
          recentRecreations: recent.length,
          lastRecreationAt: (recent[0]?.finishedAt ?? recent[0]?.startedAt)?.toISOString(),
          stale: live === 0,
        },
      };
    },
  };
}

export type HealHoldActivities = ReturnType<typeof healHoldActivities>;
