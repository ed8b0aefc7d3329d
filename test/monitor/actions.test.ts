// Policy actions end to end on netns VDUs: vdu_autoheal heals only the failed
// VDU1 instance while VDU2 keeps its instance and IP; a VDU2 failure with
// log_and_kill deletes the VNF and the monitor completes; a permanently
// broken VDU is respawned with growing gaps (back-off) until the limit puts
// the VNF in ERROR: the monitor keeps watching but holds (no action) until an
// update makes the VNF ACTIVE again, and then acts again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorWorkflowId, type MonitorStatus } from '../../src/monitoring/contract.js';
import { getMonitorStatus } from '../../src/monitoring/status.js';
import { createVnf, liveInstances, sampleTemplate, vnfEvents, vnfStatus } from '../helpers/fixtures.js';
import { UPDATE_VNF_WORKFLOW } from '../../src/conductor/contract.js';
import {
  delay,
  monitorExecution,
  netnsVimEnv,
  requestOperation,
  template,
  type VimEnv,
} from '../helpers/lifecycle.js';
import { icmpInEchos, netnsUnavailable } from '../helpers/netns.js';
import { httpStatus } from '../vim/helpers.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED monitor action tests: ${skip}`);

interface Details {
  message?: string;
  guard?: string;
}

describe.skipIf(skip)('monitor: policy actions on netns VDUs', () => {
  let stack: TestStack;
  let env: VimEnv;
  beforeAll(async () => {
    stack = await startStack({ heartbeatTimeoutMs: 3000 });
    env = await netnsVimEnv(stack.db);
  });
  afterAll(async () => {
    await stack?.stop();
    await env?.cleanup();
  });

  const kinds = async (vnfId: string) =>
    (await vnfEvents(stack.db, vnfId)).map((e) => `${e.eventType}:${e.resourceState}`);
  const status = (vnfId: string) =>
    stack.client.workflow.getHandle(monitorWorkflowId(vnfId)).query<MonitorStatus>('status');

  describe('two VDUs (VDU1 vdu_autoheal, VDU2 log_and_kill)', () => {
    let vnfId: string;

    it('vdu_autoheal recreates only the failed VDU1 instance; VDU2 keeps its id and IP', async () => {
      vnfId = await createVnf(
        stack,
        env,
        sampleTemplate('vnfd-two-vdus', { period: 1, monitoring_delay: 1 }),
      );
      await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
      const [vdu1, vdu2] = await liveInstances(stack.db, vnfId);
      expect([vdu1!.vduName, vdu2!.vduName]).toEqual(['VDU1', 'VDU2']);
      await eventually('both targets healthy', async () => {
        const s = await status(vnfId);
        return s.state === 'PROBING' && s.targets.length === 2;
      });
      await eventually('VDU1 probed', async () => ((await icmpInEchos(vdu1!.vimResourceId!)) ?? 0) >= 2);

      await env.inject(vdu1!.id, 'link-down');
      const healed = await eventually(
        'a new VDU1 instance',
        async () => {
          const live = await liveInstances(stack.db, vnfId);
          const v1 = live.find((i) => i.vduName === 'VDU1');
          return v1 && v1.id !== vdu1!.id && v1.status === 'ACTIVE' ? v1 : undefined;
        },
        30_000,
      );
      await eventually('VNF ACTIVE again', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
      expect(healed.index).toBe(vdu1!.index);
      expect(healed.mgmtIp).not.toBe(vdu1!.mgmtIp);
      const live = await liveInstances(stack.db, vnfId);
      expect(live).toHaveLength(2);
      const v2 = live.find((i) => i.vduName === 'VDU2')!;
      expect(v2.id).toBe(vdu2!.id);
      expect(v2.mgmtIp).toBe(vdu2!.mgmtIp);
      expect(v2.bootedAt).toEqual(vdu2!.bootedAt);
      expect(await httpStatus(v2.mgmtIp!, 8080)).toBe(200);
      const namespaces = await env.namespaces();
      expect(namespaces.sort()).toEqual([healed.vimResourceId!, vdu2!.vimResourceId!].sort());

      const k = await kinds(vnfId);
      expect(k).toContain('HEAL:PENDING_HEAL');
      expect(k.at(-1)).toBe('HEAL:ACTIVE');
      expect(k).not.toContain('MONITOR:DEAD');
      const execs = await stack.db.policyActionExecution.findMany({ where: { vnfId } });
      expect(execs.map((e) => [e.action, e.vduName, e.instanceId])).toEqual([
        ['vdu_autoheal', 'VDU1', vdu1!.id],
      ]);

      // The monitor watches the healed instance and still the same VDU2.
      await eventually('monitor on the new set', async () => {
        const s = await status(vnfId);
        const ips = Object.fromEntries(s.targets.map((t) => [t.vduName, t.ip]));
        return ips.VDU1 === healed.mgmtIp && ips.VDU2 === vdu2!.mgmtIp;
      });
      await eventually(
        'the healed VDU1 probed',
        async () => ((await icmpInEchos(healed.vimResourceId!)) ?? 0) >= 2,
      );
    });

    it('a VDU2 failure with log_and_kill deletes the VNF and the monitor completes', async () => {
      const v2 = (await liveInstances(stack.db, vnfId)).find((i) => i.vduName === 'VDU2')!;
      await env.inject(v2.id, 'responder-stop');
      await eventually(
        'VNF deleted',
        async () => (await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } })).deletedAt !== null,
        30_000,
      );
      await eventually(
        'monitor completed',
        async () => (await monitorExecution(stack, vnfId)) === 'COMPLETED',
      );
      const result = (await stack.client.workflow.getHandle(monitorWorkflowId(vnfId)).result()) as {
        reason: string;
      };
      // The delete kills the monitor while the action still runs, or the action's own answer ends it.
      expect(result.reason).toMatch(/^(stop: log_and_kill|killed)/);
      expect(await env.namespaces()).toEqual([]);
      expect(await liveInstances(stack.db, vnfId)).toEqual([]);
      expect(
        await stack.db.ipAllocation.count({ where: { vimId: env.vimId, instanceId: { not: null } } }),
      ).toBe(0);
      const k = await kinds(vnfId);
      expect(k.slice(-3)).toEqual(['MONITOR:DEAD', 'DELETE:PENDING_DELETE', 'DELETE:DELETED']);
      const execs = await stack.db.policyActionExecution.findMany({
        where: { vnfId },
        orderBy: { startedAt: 'asc' },
      });
      expect(execs.map((e) => e.action)).toEqual(['vdu_autoheal', 'log_and_kill']);
    });
  });

  it('a permanently broken VDU: respawns with growing gaps, then the limit → ERROR and the monitor holds; an update lets it act again', async () => {
    const backoff = 4;
    const tpl = template('vnfd-ping-respawn', {
      image: 'broken-image',
      params: {
        period: 1,
        monitoring_delay: 1,
        count: 1,
        timeout: 0.5,
        respawn_backoff: backoff,
        respawn_limit: 3,
        respawn_limit_window: 300,
      },
    });
    const vnfId = await createVnf(stack, env, tpl, 'broken');
    await eventually('VNF in ERROR', async () => (await vnfStatus(stack.db, vnfId)) === 'ERROR', 60_000);
    const held = await eventually('monitor HELD', async () => {
      const s = await status(vnfId);
      return s.state === 'HELD' ? s : undefined;
    });
    expect(held.hold?.reason).toMatch(/respawn limit reached/);
    expect(await monitorExecution(stack, vnfId)).toBe('RUNNING');

    const events = await vnfEvents(stack.db, vnfId);
    const respawned = events.filter(
      (e) => e.eventType === 'MONITOR' && (e.eventDetails as Details).message?.startsWith('VNF respawned'),
    );
    expect(respawned).toHaveLength(3);
    // The gap before the n-th respawn is at least respawn_backoff·2^(n-2) s.
    const gaps = [1, 2].map((i) => respawned[i]!.timestamp.getTime() - respawned[i - 1]!.timestamp.getTime());
    expect(gaps[0]).toBeGreaterThanOrEqual(backoff * 1000);
    // Only lower bounds: when detection takes longer than the back-off, gaps come out alike.
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * backoff * 1000);
    // A back-off event when the failure came before the gap was over (always
    // for the second gap; the first may pass while the failure is detected).
    const backoffs = events
      .filter((e) => (e.eventDetails as Details).guard === 'backoff')
      .map((e) => (e.eventDetails as Details).message);
    expect(backoffs.at(-1)).toContain(`back-off ${2 * backoff} s after recreation 2`);
    expect(backoffs.length).toBeLessThanOrEqual(2);

    // The limit: one event that names it, ERROR with the reason.
    const limit = events.filter((e) => (e.eventDetails as Details).guard === 'respawn_limit');
    expect(limit).toHaveLength(1);
    expect(limit[0]!.resourceState).toBe('ERROR');
    expect((limit[0]!.eventDetails as Details).message).toMatch(
      /respawn limit reached: 3 recreation\(s\) within 300 s/,
    );
    const vnf = await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } });
    expect(vnf.errorReason).toMatch(/respawn limit reached/);
    // Three recreations, one refused; no leaked namespace; nothing more happens while held,
    // though the monitor still probes the VDU and sees it fail.
    const execs = await stack.db.policyActionExecution.findMany({ where: { vnfId } });
    expect(execs).toHaveLength(4);
    expect(execs.filter((e) => (e.result as { recreated?: boolean }).recreated)).toHaveLength(3);
    const live = await liveInstances(stack.db, vnfId);
    expect(live).toHaveLength(1);
    expect(await env.namespaces()).toEqual([live[0]!.vimResourceId]);
    const probed = async () => (await getMonitorStatus(stack.client, vnfId))!.targets[0]!.lastProbeAt ?? '';
    const before = await probed();
    await delay(3000);
    expect(await stack.db.policyActionExecution.count({ where: { vnfId } })).toBe(4);
    expect(await vnfStatus(stack.db, vnfId)).toBe('ERROR');
    // Failed rounds heartbeat (what the status shows) at most once a minute.
    await eventually('the VDU still probed', async () => (await probed()) > before, 75_000, 1000);
    expect((await status(vnfId)).targets[0]!.state).toBe('held');

    // The operator's update (PUT) makes it ACTIVE: the monitor acts again — and the guard,
    // with three recreations still in its window, puts it back in ERROR at once.
    const update = await requestOperation(stack, UPDATE_VNF_WORKFLOW, {
      vnfId,
      attributes: { config: { fixed: true } },
    });
    expect(update.answer).toMatchObject({ accepted: true });
    await eventually(
      'a fifth policy action',
      async () =>
        (await stack.db.policyActionExecution.count({ where: { vnfId } })) === 5 ? true : undefined,
      60_000,
    );
    await eventually('HELD again', async () => (await status(vnfId)).state === 'HELD');
    expect(await vnfStatus(stack.db, vnfId)).toBe('ERROR');
    expect(
      await stack.db.policyActionExecution.count({
        where: { vnfId, result: { path: ['recreated'], equals: true } },
      }),
    ).toBe(3);
  });
});
