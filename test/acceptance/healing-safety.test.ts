// Healing safety (issue 13) from the outside: real processes, netns VIMs and
// a real Temporal, driven through HTTP, the `vnfm` CLI and Temporal's
// visibility, checked on the database's rows, the VDUs' own ICMP counters and
// `ip netns`. Each scenario has a VIM (bridge and pool) of its own, so its
// correlated-failure hold is its own.
//
// a. the blip: the VIM's bridge down for longer than detection, then up → no
//    action, no DEAD, every monitor running, one hold event, hold ended;
// b. a real VDU failure during a blip is healed once the blip ends;
// c. one VDU down while all else is fine is healed; detection-to-heal time
//    with VNFM_HEAL_CONFIRM on and off (printed);
// d. a monitor worker whose own probe path is broken (its fping runs in an
//    empty network namespace) is quarantined, its loops go to the other
//    worker and its VNFs are not touched;
// e+f. a whole VIM really down past the hold limit, the conductor killed
//    (kill -9) while the hold waits and again while released recreations are
//    queued: after `vnfm hold release` every action runs once, never more in
//    flight than VNFM_HEAL_MAX_RECREATIONS_PER_VIM.
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailable } from '../helpers/netns.js';
import {
  createVnf,
  echoes,
  eventsText,
  linkDown,
  listWorkflows,
  mgmtIps,
  monitorView,
  onboard,
  probesReach,
  registerNetnsVim,
  removeRegisteredVims,
  sample,
  sleep,
  until,
  vimNamespaces,
  waitStatus,
  type NetnsVim,
} from './operator.js';
import { Stack } from './stack.js';

const exec = promisify(execFile);
const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED acceptance healing-safety tests: ${skip}`);

const FAST = { monitoring_delay: 1, period: 1 };
/**
 * The blip's fleet. The issue asks for 50; on a shared 2-core machine (load 25–45) the conductor
 * confirmed 50 failures 60–100 s late, so 20 by default (HEALING_BLIP_VNFS=50 runs the issue's size).
 */
const BLIP_VNFS = Number(process.env.HEALING_BLIP_VNFS ?? 20);
const PER_VIM_CAP = 2;
const HOLD_LIMIT_S = 30;

/** The healing settings of this file's conductor: seconds-scale windows so each scenario takes seconds. */
const HEAL_ENV = {
  // Wide enough that a loaded 2-core machine's spread of detections (tens of seconds) still correlates.
  VNFM_HEAL_HOLD_WINDOW: '20',
  VNFM_HEAL_CONFIRM_SLACK: '3',
  VNFM_HEAL_HOLD_LIMIT: String(HOLD_LIMIT_S),
  VNFM_HEAL_MAX_RECREATIONS_PER_VIM: String(PER_VIM_CAP),
  VNFM_HEAL_QUARANTINE_AFTER: '2',
  VNFM_HEAL_QUARANTINE_FOR: '600',
};

interface HoldView {
  id: string;
  scope_type: string;
  scope_id: string;
  state: string;
  reason: string;
  held_actions: number;
  recovered: number;
  released: number;
  decided_by: string | null;
  ended_at: string | null;
}

describe.skipIf(skip)(
  `acceptance: healing safety${skip ? ` (skipped: ${skip})` : ''}`,
  { timeout: 300_000 },
  () => {
    let stack: Stack;
    let vnfdId: string;

    beforeAll(async () => {
      stack = await Stack.start({ name: 'healing', env: HEAL_ENV });
      vnfdId = await onboard(stack, sample('vnfd-ping-respawn', { '*': FAST }), 'ping-respawn-heal');
    }, 300_000);
    afterEach((ctx) => {
      if (ctx.task.result?.state === 'fail' && stack) stack.failed = true;
    });
    afterAll(async () => {
      await stack?.close();
      await removeRegisteredVims();
    });

    // ---- helpers ------------------------------------------------------------------

    /** N VNFs on the (new, default) VIM, ACTIVE and PROBING. */
    async function fleet(n: number, prefix: string): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i += 10) {
        const batch = Array.from({ length: Math.min(10, n - i) }, (_, k) => `${prefix}-${i + k}`);
        ids.push(...(await Promise.all(batch.map((name) => createVnf(stack, vnfdId, name)))));
      }
      await until(
        `${n} VNFs (${prefix}) ACTIVE`,
        () =>
          stack.sql<{ n: string }>(
            `SELECT count(*) AS n FROM vnfs WHERE id = ANY($1::uuid[]) AND status = 'ACTIVE'`,
            [ids],
          ),
        (r) => Number(r[0]!.n) === n,
        { timeoutMs: Math.max(180_000, n * 4000), everyMs: 1000, context: async () => stack.logTails(4) },
      );
      await allProbing(ids);
      return ids;
    }

    async function allProbing(ids: string[], timeoutMs = 90_000) {
      const want = new Set(ids.map((id) => `vnf-monitor-${id}`));
      await until(
        `${ids.length} monitors PROBING (Temporal visibility)`,
        async () =>
          (
            await listWorkflows(
              stack,
              `WorkflowType = 'vnfMonitorWorkflow' AND ExecutionStatus = 'Running' AND MonitorState = 'PROBING'`,
            )
          ).filter((w) => want.has(w.workflowId)).length,
        (c) => c === ids.length,
        { timeoutMs, everyMs: 1000, context: async () => stack.logTails(4) },
      );
    }

    async function running(ids: string[]): Promise<number> {
      const want = new Set(ids.map((id) => `vnf-monitor-${id}`));
      return (
        await listWorkflows(stack, `WorkflowType = 'vnfMonitorWorkflow' AND ExecutionStatus = 'Running'`)
      ).filter((w) => want.has(w.workflowId)).length;
    }

    /** The VNFs' live instances: id, namespace, IP. */
    async function instances(ids: string[]) {
      return stack.sql<{ id: string; vnf_id: string; ns: string; ip: string }>(
        `SELECT id, vnf_id, vim_resource_id AS ns, mgmt_ip AS ip FROM vdu_instances
          WHERE deleted_at IS NULL AND vnf_id = ANY($1::uuid[]) ORDER BY vnf_id`,
        [ids],
      );
    }

    async function holdsOf(scopeId: string): Promise<HoldView[]> {
      const r = await stack.http().get('/v1.0/holds?state=all');
      if (r.status !== 200) throw new Error(`GET /v1.0/holds: ${r.status} ${r.text.slice(0, 300)}`);
      return (r.body.holds as HoldView[]).filter((h) => h.scope_id === scopeId);
    }

    /** Events of a VIM (or worker) scope: `STATE message`. */
    async function scopeEvents(scopeId: string): Promise<string[]> {
      const rows = await stack.sql<{ state: string; message: string }>(
        `SELECT resource_state AS state, event_details->>'message' AS message FROM events
          WHERE resource_id = $1 ORDER BY id`,
        [scopeId],
      );
      return rows.map((r) => `${r.state} ${r.message}`);
    }

    /** What the healer did to the VNFs: DEAD events, respawns, recreated actions. */
    async function actionsOn(ids: string[]) {
      const [dead] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM events WHERE resource_id = ANY($1::text[]) AND resource_state = 'DEAD'`,
        [ids],
      );
      const [respawned] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM events WHERE resource_id = ANY($1::text[]) AND event_details->>'message' LIKE '%respawned%'`,
        [ids],
      );
      const [recreated] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM policy_action_executions
          WHERE vnf_id = ANY($1::uuid[]) AND (result->>'recreated')::boolean IS TRUE`,
        [ids],
      );
      return { dead: Number(dead!.n), respawned: Number(respawned!.n), recreated: Number(recreated!.n) };
    }

    const bridge = (vim: NetnsVim, state: 'up' | 'down') =>
      exec('ip', ['link', 'set', 'dev', vim.bridge, state]);

    // ---- a. the blip ---------------------------------------------------------------------

    it(`a. the blip: ${BLIP_VNFS} healthy VNFs, the VIM's bridge down then up → no action, no DEAD, monitors running, one hold event, hold ended`, async () => {
      const vim = await registerNetnsVim(stack);
      const ids = await fleet(BLIP_VNFS, 'blip');
      const before = await instances(ids);
      expect(before).toHaveLength(BLIP_VNFS);

      const down = Date.now();
      await bridge(vim, 'down');
      let hold: HoldView | undefined;
      try {
        // Every failing VNF's action joins the VIM's hold (deferred), none is acted on.
        hold = (
          await until(
            `a hold on VIM ${vim.id} holding all ${BLIP_VNFS} actions`,
            () => holdsOf(vim.id),
            (h) => h.length === 1 && h[0]!.state === 'HELD' && h[0]!.held_actions === BLIP_VNFS,
            { timeoutMs: 180_000, everyMs: 500, context: async () => stack.logTails(6) },
          )
        )[0]!;
        // Down for longer than detection plus confirmation in any case.
        const minDownMs = 15_000;
        if (Date.now() - down < minDownMs) await sleep(minDownMs - (Date.now() - down));
        expect(await actionsOn(ids), 'nothing done while the bridge is down').toEqual({
          dead: 0,
          respawned: 0,
          recreated: 0,
        });
      } finally {
        await bridge(vim, 'up');
      }
      const up = Date.now();
      console.log(
        `[healing-safety] blip: ${BLIP_VNFS} VNFs, bridge down ${((up - down) / 1000).toFixed(1)} s, hold opened: ${hold.reason}`,
      );

      const ended = (
        await until(
          `the hold on VIM ${vim.id} ENDED after the bridge is back`,
          () => holdsOf(vim.id),
          (h) => h[0]?.state === 'ENDED',
          { timeoutMs: 90_000, everyMs: 500, context: async () => (await scopeEvents(vim.id)).join('\n') },
        )
      )[0]!;
      console.log(
        `[healing-safety] blip: hold ended ${((Date.now() - up) / 1000).toFixed(1)} s after the bridge came up (window ${HEAL_ENV.VNFM_HEAL_HOLD_WINDOW} s)`,
      );
      expect(ended.decided_by, 'nobody decided: it ended on recovery').toBeNull();
      expect(ended.released, 'no action released').toBe(0);
      expect(ended.held_actions).toBe(0);
      expect(ended.recovered).toBe(BLIP_VNFS);

      const evs = await scopeEvents(vim.id);
      expect(
        evs.filter((e) => /^HELD correlated failure in VIM/.test(e)),
        `exactly one correlated-failure event for the VIM:\n${evs.join('\n')}`,
      ).toHaveLength(1);
      expect(
        evs.filter((e) => /^ENDED .*no action taken/.test(e)),
        evs.join('\n'),
      ).toHaveLength(1);
      // Only the VIM's scope held: no worker hold.
      const [workerHolds] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM heal_holds WHERE scope_type = 'worker'`,
      );
      expect(Number(workerHolds!.n)).toBe(0);

      // Nothing was done: no DEAD, no respawn, the same instances on the same IPs, all ACTIVE.
      expect(await actionsOn(ids)).toEqual({ dead: 0, respawned: 0, recreated: 0 });
      expect(await instances(ids)).toEqual(before);
      const [notActive] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM vnfs WHERE id = ANY($1::uuid[]) AND status <> 'ACTIVE'`,
        [ids],
      );
      expect(Number(notActive!.n)).toBe(0);
      // Every monitor still running, probing again, and probes reach the VDUs.
      expect(await running(ids)).toBe(BLIP_VNFS);
      await allProbing(ids);
      await Promise.all(before.slice(0, 5).map((i) => probesReach(i.ns)));
      // The reconciliation (every 2 s here) left the monitors held on purpose alone: no monitor
      // command (a resync each pass) ran on any of them.
      const lifecycleIds = new Set(ids.map((id) => `vnf-lifecycle-${id}`));
      const commands = (await listWorkflows(stack, `WorkflowType = 'monitorCommandWorkflow'`)).filter((w) =>
        lifecycleIds.has(w.workflowId),
      );
      expect(commands, 'no monitor commands on the held VNFs').toEqual([]);
    });

    // ---- b. a real failure during a blip ----------------------------------------------

    it('b. a real single-VDU failure during a blip is healed once the blip ends (the others are not)', async () => {
      const vim = await registerNetnsVim(stack);
      const ids = await fleet(6, 'blipfail');
      const before = await instances(ids);
      const victim = before[0]!;

      await bridge(vim, 'down');
      try {
        await until(
          `a hold on VIM ${vim.id}`,
          () => holdsOf(vim.id),
          (h) => h[0]?.state === 'HELD' && h[0].held_actions === ids.length,
          { timeoutMs: 60_000, everyMs: 500, context: async () => stack.logTails(6) },
        );
        // The real failure, while the manager's path is broken.
        await linkDown(victim.ns);
        await sleep(5000);
        expect(await actionsOn(ids), 'nothing done during the blip').toEqual({
          dead: 0,
          respawned: 0,
          recreated: 0,
        });
      } finally {
        await bridge(vim, 'up');
      }
      const up = Date.now();
      const healed = await until(
        `VNF ${victim.vnf_id} respawned on a new IP after the blip`,
        () => instances([victim.vnf_id]),
        (r) => r.length === 1 && r[0]!.ip !== victim.ip,
        { timeoutMs: 90_000, everyMs: 500, context: async () => eventsText(stack, victim.vnf_id) },
      );
      console.log(
        `[healing-safety] real failure during a blip: healed ${((Date.now() - up) / 1000).toFixed(1)} s after the bridge came up`,
      );
      await waitStatus(stack, victim.vnf_id, 'ACTIVE');
      await probesReach((await instances([victim.vnf_id]))[0]!.ns, 2, 60_000);
      expect(healed).toHaveLength(1);
      const hold = (await holdsOf(vim.id))[0]!;
      expect(hold.state).toBe('ENDED');
      expect(hold.recovered).toBe(ids.length - 1);
      const evs = await scopeEvents(vim.id);
      expect(
        evs.filter((e) => /^ENDED .*1 still failing/.test(e)),
        evs.join('\n'),
      ).toHaveLength(1);
      // One respawn for the victim, nothing for the others.
      expect(await actionsOn([victim.vnf_id])).toMatchObject({ respawned: 1, recreated: 1 });
      const others = ids.filter((id) => id !== victim.vnf_id);
      expect(await actionsOn(others)).toEqual({ dead: 0, respawned: 0, recreated: 0 });
      expect(await instances(others)).toEqual(before.filter((i) => i.vnf_id !== victim.vnf_id));
      expect(await running(ids)).toBe(ids.length);
    });

    // ---- c. a single failure, confirmation on and off ---------------------------------------

    it('c. one VDU down while all else is fine is healed; detection-to-heal with confirmation on and off', async () => {
      await registerNetnsVim(stack);
      const ids = await fleet(4, 'single');
      const insts = await instances(ids);

      /** linkDown → DEAD event and → ACTIVE on a new IP, in ms. */
      async function heal(i: (typeof insts)[number]) {
        const t0 = Date.now();
        await linkDown(i.ns);
        let deadAt = 0;
        await until(
          `VNF ${i.vnf_id} respawned on a new IP`,
          async () => {
            if (!deadAt && (await actionsOn([i.vnf_id])).dead > 0) deadAt = Date.now();
            const [v] = await stack.sql<{ status: string; ip: string }>(
              `SELECT v.status, d.mgmt_ip AS ip FROM vnfs v JOIN vdu_instances d ON d.vnf_id = v.id AND d.deleted_at IS NULL WHERE v.id = $1`,
              [i.vnf_id],
            );
            return v;
          },
          (v) => v?.status === 'ACTIVE' && v.ip !== i.ip,
          { timeoutMs: 120_000, everyMs: 200, context: async () => eventsText(stack, i.vnf_id) },
        );
        const healedMs = Date.now() - t0;
        await until(
          `the "VNF respawned" event of ${i.vnf_id}`,
          () => actionsOn([i.vnf_id]),
          (a) => a.respawned === 1 && a.recreated === 1,
          { timeoutMs: 30_000, everyMs: 500 },
        );
        return { deadMs: (deadAt || Date.now()) - t0, healedMs };
      }

      const on = await heal(insts[0]!);
      await stack.restart('conductor', 'stop', { VNFM_HEAL_CONFIRM: 'off' });
      const off = await heal(insts[1]!);
      await stack.restart('conductor', 'stop');
      console.log(
        `[healing-safety] single VDU failure, link down → DEAD / → ACTIVE on a new IP: confirmation on ${on.deadMs} / ${on.healedMs} ms; off ${off.deadMs} / ${off.healedMs} ms; added by confirmation ${on.deadMs - off.deadMs} ms (period 1 s + slack ${HEAL_ENV.VNFM_HEAL_CONFIRM_SLACK} s + one probe round expected)`,
      );
      // Generous bounds only: a loaded 2-core machine.
      expect(on.healedMs).toBeLessThan(60_000);
      expect(off.healedMs).toBeLessThan(60_000);
      const failed = [insts[0]!.vnf_id, insts[1]!.vnf_id];
      expect(await actionsOn(failed)).toMatchObject({ respawned: 2, recreated: 2 });
      expect(await actionsOn(ids.filter((id) => !failed.includes(id)))).toEqual({
        dead: 0,
        respawned: 0,
        recreated: 0,
      });
      const [holds] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM heal_holds h JOIN vims v ON v.id::text = h.scope_id JOIN vnfs f ON f.vim_id = v.id WHERE f.id = ANY($1::uuid[])`,
        [ids],
      );
      expect(Number(holds!.n), 'a single failure opens no hold').toBe(0);
    });

    // ---- e+f. a whole VIM down past the hold limit; kill -9 of the conductor ---------------

    it(`e+f. a VIM really down past the hold limit, conductor killed while held and while queued: after vnfm hold release every VNF is respawned once, at most ${PER_VIM_CAP} in flight`, async () => {
      const vim = await registerNetnsVim(stack);
      const n = 6;
      const ids = await fleet(n, 'vimdown');
      const before = await instances(ids);
      await Promise.all(before.map((i) => linkDown(i.ns)));
      const hold = (
        await until(
          `a hold on VIM ${vim.id} with all ${n} actions`,
          () => holdsOf(vim.id),
          (h) => h[0]?.state === 'HELD' && h[0].held_actions === n,
          { timeoutMs: 60_000, everyMs: 500, context: async () => stack.logTails(6) },
        )
      )[0]!;

      // f: kill -9 the conductor while the hold waits: the hold and its coordinator survive.
      await stack.kill('conductor');
      await sleep(2000);
      await stack.start('conductor');
      // e: the limit passes; the coordinator (on the new conductor) asks for an operator.
      await until(
        `the hold's limit event (${HOLD_LIMIT_S} s)`,
        () => scopeEvents(vim.id),
        (evs) => evs.some((e) => /past its limit.*operator decides/.test(e)),
        { timeoutMs: (HOLD_LIMIT_S + 60) * 1000, everyMs: 1000 },
      );
      const waiting = (await holdsOf(vim.id))[0]!;
      expect(waiting).toMatchObject({ state: 'HELD', held_actions: n });
      expect(await actionsOn(ids), 'nothing done before the release').toEqual({
        dead: 0,
        respawned: 0,
        recreated: 0,
      });

      // In flight, sampled twice a second: slots (database) and respawn workflows (Temporal).
      let maxSlots = 0;
      let maxRespawns = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          try {
            const [s] = await stack.sql<{ n: string }>(
              `SELECT count(*) AS n FROM recreation_slots s JOIN policy_action_executions p ON p.id = s.execution_id
                WHERE s.vim_id = $1 AND p.status <> 'DONE'`,
              [vim.id],
            );
            maxSlots = Math.max(maxSlots, Number(s!.n));
            const r = await listWorkflows(
              stack,
              `WorkflowType = 'respawnVnfWorkflow' AND ExecutionStatus = 'Running'`,
            );
            maxRespawns = Math.max(maxRespawns, r.length);
          } catch {
            // the conductor may be down: sample again
          }
          await sleep(500);
        }
      })();

      const released = await stack.cli(['--json', 'hold', 'release', hold.id]);
      expect(released.code, released.stderr).toBe(0);
      expect(JSON.parse(released.stdout)).toMatchObject({ state: 'RELEASED' });

      // f: kill -9 the conductor while released recreations are queued.
      await until(
        'released recreations queued behind the per-VIM limit',
        () =>
          stack.sql<{ gate: string; n: string }>(
            `SELECT gate, count(*) AS n FROM policy_action_executions WHERE hold_id = $1 GROUP BY gate`,
            [hold.id],
          ),
        (rows) => rows.some((r) => r.gate === 'QUEUED') || rows.some((r) => r.gate === 'RECREATING'),
        { timeoutMs: 60_000, everyMs: 200 },
      );
      await stack.kill('conductor');
      await sleep(2000);
      await stack.start('conductor');

      for (const id of ids) await waitStatus(stack, id, 'ACTIVE', 180_000);
      await until(
        `every VNF of VIM ${vim.id} on a new IP`,
        () => instances(ids),
        (r) => r.length === n && r.every((i) => !before.some((b) => b.ip === i.ip)),
        { timeoutMs: 120_000, everyMs: 1000 },
      );
      const ended = (
        await until(
          `the released hold ENDED`,
          () => holdsOf(vim.id),
          (h) => h[0]?.state === 'ENDED',
          { timeoutMs: 60_000, everyMs: 1000, context: async () => (await scopeEvents(vim.id)).join('\n') },
        )
      )[0]!;
      sampling = false;
      await sampler;
      console.log(
        `[healing-safety] VIM down, released: max in flight on the VIM ${maxSlots} (slots), ${maxRespawns} respawn workflows running at once; cap ${PER_VIM_CAP}`,
      );
      expect(ended.decided_by).toMatch(/API|token/);
      expect(maxSlots).toBeLessThanOrEqual(PER_VIM_CAP);
      expect(maxRespawns).toBeLessThanOrEqual(PER_VIM_CAP);
      // Every action ran exactly once.
      for (const id of ids) {
        const a = await actionsOn([id]);
        expect(a, `VNF ${id}: ${await eventsText(stack, id)}`).toMatchObject({ respawned: 1, recreated: 1 });
      }
      const after = await instances(ids);
      await Promise.all(after.map((i) => probesReach(i.ns)));
      expect(await running(ids)).toBe(n);
      // No leaked namespace: the host has exactly the live instances.
      expect(await vimNamespaces(vim)).toEqual(after.map((i) => i.ns).sort());
    });

    // ---- d. a monitor worker with a broken probe path --------------------------------------

    it('d. a monitor worker whose own probe path is broken is quarantined: its loops go to the other worker, its VNFs untouched', async () => {
      // The broken worker's fping runs in a network namespace with no route: every probe fails.
      const emptyNs = `vq${process.pid.toString(36)}`;
      await exec('ip', ['netns', 'add', emptyNs]);
      const bin = join(stack.dir, 'broken-path-bin');
      const calls = join(stack.dir, 'broken-fping-calls');
      await exec('mkdir', ['-p', bin]);
      await writeFile(calls, '');
      const fping = (await exec('sh', ['-c', 'command -v fping'])).stdout.trim();
      await writeFile(
        join(bin, 'fping'),
        `#!/bin/sh\necho x >> ${calls}\nexec /usr/sbin/ip netns exec ${emptyNs} ${fping} "$@"\n`,
      );
      await chmod(join(bin, 'fping'), 0o755);
      const brokenCalls = async () => (await readFile(calls, 'utf8')).length / 2;
      try {
        await registerNetnsVim(stack);
        const broken = await stack.start('monitor2', { PATH: `${bin}:${process.env.PATH}` });
        const loopQueue = /"loopQueue":"([^"]+)"/.exec(broken.tail())?.[1];
        expect(loopQueue, 'the broken worker logs its loop queue').toBeTruthy();
        // The healthy worker out while the VNFs are created: every loop starts on the broken worker,
        // and its unconfirmed failures are recorded — but no quarantine while it is the only worker
        // that probes (never the last one). (Frozen instead, the healthy worker would still take
        // placements it cannot run, and loops would land on either worker by chance.)
        await stack.stop('monitor');
        let ids: string[] = [];
        try {
          ids = await Promise.all([0, 1, 2].map((i) => createVnf(stack, vnfdId, `brokenpath-${i}`)));
          for (const id of ids) await waitStatus(stack, id, 'ACTIVE', 120_000);
          await until('the broken worker probing', brokenCalls, (c) => c >= 1, {
            timeoutMs: 60_000,
            context: async () => stack.logTails(6),
          });
          // Its failures are not confirmed by the conductor (the targets answer it).
          await until(
            'unconfirmed failures recorded against the broken worker',
            () =>
              stack.sql<{ n: string }>(`SELECT count(*) AS n FROM probe_path_faults WHERE worker = $1`, [
                loopQueue,
              ]),
            (r) => Number(r[0]!.n) >= 1,
            { timeoutMs: 90_000, everyMs: 1000, context: async () => stack.logTails(6) },
          );
        } finally {
          // Back: the loops still on the broken worker report their next failures (each VNF's
          // action is retried after 30 s), and with another worker probing those get it quarantined.
          await stack.start('monitor');
        }
        const before = await instances(ids);
        // Its repeated unconfirmed failures take it out of probing.
        await until(
          'the broken worker quarantined (a QUARANTINED event, its log)',
          () =>
            stack.sql<{ n: string }>(
              `SELECT count(*) AS n FROM events WHERE resource_id = $1 AND resource_state = 'QUARANTINED'`,
              [loopQueue],
            ),
          (r) => Number(r[0]!.n) >= 1 && broken.tail().includes('quarantined by the conductor'),
          {
            timeoutMs: 120_000,
            everyMs: 1000,
            context: async () => {
              const gates = await stack.sql(
                `SELECT vnf_id, episode, gate, reported_by, result->>'result' AS result, started_at
                   FROM policy_action_executions ORDER BY started_at`,
              );
              const faults = await stack.sql(`SELECT worker, vnf_id, at FROM probe_path_faults ORDER BY at`);
              return `${JSON.stringify(gates)}\nfaults: ${JSON.stringify(faults)}\n${stack.logTails(6)}`;
            },
          },
        );
        // Its VNFs are probed from the healthy worker and never acted on.
        // (the monitors retry placing their loops with a back-off of up to 30 s)
        await Promise.all(
          before.map((i) =>
            probesReach(i.ns, 2, 90_000).catch(async (err: Error) => {
              const view = await monitorView(stack, i.vnf_id).catch((e: Error) => e.message);
              throw new Error(
                `${err.message}\nmonitor of ${i.vnf_id}: ${JSON.stringify(view).slice(0, 3000)}`,
              );
            }),
          ),
        );
        await allProbing(ids);
        // Echoes alone could be the conductor's confirmations: each loop runs on another worker.
        await until(
          'every loop on a worker other than the quarantined one',
          () => Promise.all(ids.map((id) => monitorView(stack, id))),
          (views) =>
            views.every((v) => {
              const q = (v as { loop?: { taskQueue?: string } } | undefined)?.loop?.taskQueue;
              return q !== undefined && q !== loopQueue;
            }),
          { timeoutMs: 60_000, everyMs: 1000, context: async () => stack.logTails(6) },
        );
        await sleep(3000);
        const quiet = await brokenCalls();
        const echoesBefore = await Promise.all(before.map((i) => echoes(i.ns)));
        await sleep(8000);
        expect(
          await brokenCalls(),
          `the quarantined worker stopped probing; its log:\n${broken.tail().split('\n').slice(-15).join('\n')}`,
        ).toBeLessThanOrEqual(quiet + 1);
        const echoesAfter = await Promise.all(before.map((i) => echoes(i.ns)));
        echoesAfter.forEach((e, k) =>
          expect(e!, 'probes still reach every VDU').toBeGreaterThan(echoesBefore[k]!),
        );
        expect(await actionsOn(ids)).toEqual({ dead: 0, respawned: 0, recreated: 0 });
        expect(await instances(ids)).toEqual(before);
        const [holds] = await stack.sql<{ n: string }>(
          `SELECT count(*) AS n FROM heal_holds WHERE scope_id = $1`,
          [loopQueue],
        );
        expect(Number(holds!.n), 'unconfirmed failures open no hold').toBe(0);
        for (const id of ids)
          expect(mgmtIps(await waitStatus(stack, id, 'ACTIVE')).VDU1).toEqual([
            before.find((b) => b.vnf_id === id)!.ip,
          ]);
      } finally {
        await stack.stop('monitor2');
        await exec('ip', ['netns', 'del', emptyNs]).catch(() => undefined);
      }
    });
  },
);
