// Steering a monitor from outside, checked on the wire (the namespace's own
// ICMP counters) and in the status query: kill completes it and the probes
// stop within seconds; an update with a stale generation or a message with a
// wrong actionId changes nothing; a monitor whose VNF moved on (actionId
// replaced, VNF deleted) completes when it next acts (bad_action); pause
// stops probes and actions and shows PAUSED in the query and the
// MonitorState search attribute, resume probes again; VnfId/MonitorState
// filter workflow lists; targets outside the VIM's allowed CIDRs get a
// MONITOR event and never a packet; a run started with carried state shows it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MONITOR_WORKFLOW_TYPE,
  monitorWorkflowId,
  type MonitorInput,
  type MonitorStatus,
} from '../../src/monitoring/contract.js';
import { normalizeMonitoringPolicy } from '../../src/monitoring/policy.js';
import { intToIp, parseCidr } from '../../src/net/cidr.js';
import { MonitorStateKey, VnfIdKey } from '../../src/temporal/search-attributes.js';
import { createVnf, liveInstances, sampleTemplate, vnfEvents, vnfStatus } from '../helpers/fixtures.js';
import { delay, monitorExecution, netnsVimEnv, type VimEnv } from '../helpers/lifecycle.js';
import { icmpInEchos, netnsUnavailable } from '../helpers/netns.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED monitor control tests: ${skip}`);

describe.skipIf(skip)(
  'monitor: kill, update, bad_action, pause/resume, search attributes, allowed CIDRs',
  () => {
    let stack: TestStack;
    let env: VimEnv;
    const envs: VimEnv[] = [];
    beforeAll(async () => {
      stack = await startStack();
      env = await netnsVimEnv(stack.db);
      envs.push(env);
    });
    afterAll(async () => {
      await stack?.stop();
      for (const e of envs) await e.cleanup();
    });

    const tpl = () => sampleTemplate('vnfd-ping-respawn', { period: 1, monitoring_delay: 1 });
    const handle = (vnfId: string) => stack.client.workflow.getHandle(monitorWorkflowId(vnfId));
    const status = (vnfId: string) => handle(vnfId).query<MonitorStatus>('status');
    const echos = async (ns: string) => (await icmpInEchos(ns)) ?? -1;
    const rising = async (ns: string, by = 2) => {
      const start = await echos(ns);
      await eventually(`probes reaching ${ns}`, async () => (await echos(ns)) >= start + by, 15_000);
    };
    /** Echo requests the namespace receives over `ms`. */
    const received = async (ns: string, ms: number) => {
      const start = await echos(ns);
      await delay(ms);
      return (await echos(ns)) - start;
    };

    /** A monitored VNF whose probes reach its one instance. */
    async function probedVnf(where: VimEnv = env) {
      const vnfId = await createVnf(stack, where, tpl());
      await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
      const [inst] = await liveInstances(stack.db, vnfId);
      const vnf = await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } });
      return { vnfId, inst: inst!, ns: inst!.vimResourceId!, actionId: vnf.monitorActionId! };
    }

    describe('one VNF, steered', () => {
      let vnf: Awaited<ReturnType<typeof probedVnf>>;
      beforeAll(async () => {
        vnf = await probedVnf();
        await rising(vnf.ns);
      });

      it('an update with a stale generation, and messages with a wrong actionId, are ignored', async () => {
        const { vnfId, actionId, inst, ns } = vnf;
        const before = await status(vnfId);
        const wrong = randomUUID();
        const h = handle(vnfId);
        await h.signal('update', { actionId, generation: before.generation, vdus: [] });
        await h.signal('update', { actionId, generation: before.generation - 1, vdus: [] });
        await h.signal('update', { actionId: wrong, generation: before.generation + 5, vdus: [] });
        await h.signal('pause', { actionId: wrong });
        await h.signal('kill', { actionId: wrong });
        await h.signal('kill', {});
        // Signals are handled in order: one the workflow acts on shows all before it were handled.
        await h.signal('pause', { actionId });
        await eventually('paused by the right message', async () => (await status(vnfId)).state === 'PAUSED');
        const after = await status(vnfId);
        expect(after.generation).toBe(before.generation);
        expect(after.actionId).toBe(actionId);
        expect(after.targets.map((t) => [t.instanceId, t.ip])).toEqual([[inst.id, inst.mgmtIp]]);
        await h.signal('resume', { actionId });
        await rising(ns);
        expect((await h.describe()).status.name).toBe('RUNNING');
      });

      it('pause: no probes, no actions, PAUSED in the query and the search attribute; resume probes again', async () => {
        const { vnfId, actionId, inst, ns } = vnf;
        const h = handle(vnfId);
        await h.signal('pause', { actionId });
        await eventually('PAUSED', async () => (await status(vnfId)).state === 'PAUSED');
        expect((await status(vnfId)).targets[0]!.state).toBe('paused');
        await eventually('listed as PAUSED', async () => {
          const ids: string[] = [];
          for await (const w of stack.client.workflow.list({
            query: `VnfId = "${vnfId}" AND MonitorState = "PAUSED"`,
          }))
            ids.push(w.workflowId);
          return ids.length === 1 && ids[0] === monitorWorkflowId(vnfId);
        });
        const desc = await h.describe();
        expect(desc.typedSearchAttributes.get(MonitorStateKey)).toBe('PAUSED');
        expect(desc.typedSearchAttributes.get(VnfIdKey)).toBe(vnfId);

        // Paused: nothing reaches the VDU (the loop has ended before PAUSED
        // shows), and a failure is not acted on.
        await delay(300);
        expect(await received(ns, 2500)).toBe(0);
        await env.inject(inst.id, 'link-down');
        await delay(3000); // three periods, failure_threshold 1
        expect(await stack.db.policyActionExecution.count({ where: { vnfId } })).toBe(0);
        await env.inject(inst.id, 'link-up');

        await h.signal('resume', { actionId });
        await rising(ns);
        await eventually('PROBING again', async () => (await status(vnfId)).state === 'PROBING');
        await eventually('listed as PROBING', async () => {
          let n = 0;
          for await (const _ of stack.client.workflow.list({
            query: `VnfId = "${vnfId}" AND MonitorState = "PROBING"`,
          }))
            n++;
          return n === 1;
        });
        expect(await stack.db.policyActionExecution.count({ where: { vnfId } })).toBe(0);
        expect((await liveInstances(stack.db, vnfId)).map((i) => i.id)).toEqual([inst.id]);
      });

      it('search attributes: VnfId finds exactly the VNF monitor', async () => {
        const { vnfId } = vnf;
        await eventually('listed by VnfId', async () => {
          const found: { id: string; type: string }[] = [];
          for await (const w of stack.client.workflow.list({ query: `VnfId = "${vnfId}"` }))
            found.push({ id: w.workflowId, type: w.type });
          return (
            found.length === 1 &&
            found[0]!.id === monitorWorkflowId(vnfId) &&
            found[0]!.type === MONITOR_WORKFLOW_TYPE
          );
        });
        let other = 0;
        for await (const _ of stack.client.workflow.list({ query: `VnfId = "${randomUUID()}"` })) other++;
        expect(other).toBe(0);
      });

      it('kill: the monitor completes and its probes stop within seconds', async () => {
        const { vnfId, actionId, ns } = vnf;
        await rising(ns);
        const sent = Date.now();
        await handle(vnfId).signal('kill', { actionId });
        await eventually(
          'monitor completed',
          async () => (await monitorExecution(stack, vnfId)) === 'COMPLETED',
          5_000,
        );
        expect(Date.now() - sent).toBeLessThan(5_000);
        expect(await handle(vnfId).result()).toEqual({ reason: 'killed' });
        // The loop has ended before the workflow completes: nothing more arrives.
        await delay(300);
        expect(await received(ns, 2500)).toBe(0);
        expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
      });
    });

    it('bad_action: a monitor whose actionId was replaced, or whose VNF was deleted behind its back, completes when it next acts', async () => {
      const [replaced, deleted] = await Promise.all([probedVnf(), probedVnf()]);
      await Promise.all([rising(replaced.ns), rising(deleted.ns)]);
      // The VNFs moved on behind their monitors' backs.
      await stack.db.vnf.update({ where: { id: replaced.vnfId }, data: { monitorActionId: randomUUID() } });
      await stack.db.vnf.update({ where: { id: deleted.vnfId }, data: { deletedAt: new Date() } });
      await Promise.all([
        env.inject(replaced.inst.id, 'link-down'),
        env.inject(deleted.inst.id, 'link-down'),
      ]);
      for (const v of [replaced, deleted]) {
        await eventually(
          'monitor completed',
          async () => (await monitorExecution(stack, v.vnfId)) === 'COMPLETED',
          20_000,
        );
        // Nothing was recreated, no event written.
        expect((await liveInstances(stack.db, v.vnfId)).map((i) => i.id)).toEqual([v.inst.id]);
        expect(await stack.db.policyActionExecution.count({ where: { vnfId: v.vnfId } })).toBe(0);
        expect((await vnfEvents(stack.db, v.vnfId)).filter((e) => e.eventType === 'MONITOR')).toEqual([]);
      }
      const reason = async (vnfId: string) => ((await handle(vnfId).result()) as { reason: string }).reason;
      expect(await reason(replaced.vnfId)).toMatch(/^bad_action: monitor action .* is obsolete/);
      expect(await reason(deleted.vnfId)).toMatch(/^bad_action: VNF .* no longer exists/);
      expect(await vnfStatus(stack.db, replaced.vnfId)).toBe('ACTIVE');
    });

    it('targets outside the allowed CIDRs: a MONITOR event, state refused, and no packet sent', async () => {
      // The VIM allows probes only to TEST-NET-1; its pool is elsewhere.
      const fenced = await netnsVimEnv(stack.db, { allowedCidrs: ['192.0.2.0/24'] });
      envs.push(fenced);
      const { vnfId, ns, inst } = await probedVnf(fenced);
      const refused = await eventually('a refused event', async () => {
        const e = (await vnfEvents(stack.db, vnfId)).filter(
          (x) => x.eventType === 'MONITOR' && (x.eventDetails as { kind?: string }).kind === 'refused',
        );
        return e.length ? e : undefined;
      });
      expect(refused).toHaveLength(1);
      expect((refused[0]!.eventDetails as { message: string }).message).toMatch(
        new RegExp(`refused to probe ${inst.mgmtIp!.replace(/\./g, '\\.')}: outside the VIM's allowed CIDRs`),
      );
      expect((await status(vnfId)).targets[0]!.state).toBe('refused');
      expect(await echos(ns)).toBe(0);
      await delay(2500);
      expect(await echos(ns)).toBe(0);
      expect(await stack.db.policyActionExecution.count({ where: { vnfId } })).toBe(0);
      expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
    });

    it('a run started with carried state (as after continue-as-new) reports it', async () => {
      const vnfId = randomUUID();
      const policy = normalizeMonitoringPolicy(
        { name: 'ping', parameters: { period: 1 }, actions: { failure: 'respawn' } },
        'p',
      ).policy!;
      const ip = intToIp(parseCidr(env.pool)!.network + 10); // in the pool, no instance there
      const record = {
        at: '2026-01-01T00:00:00.000Z',
        episode: 4,
        action: 'respawn' as const,
        vduName: 'VDU1',
        instanceId: 'i-old',
        ip,
        outcome: 'ok: respawned',
      };
      const input: MonitorInput = {
        vnfId,
        vnfName: 'carried',
        vnfdName: 'carried-vnfd',
        tenantId: env.tenantId,
        actionId: randomUUID(),
        generation: 7,
        vdus: [
          {
            vduName: 'VDU1',
            policy,
            targets: [{ instanceId: 'i-1', ip, bootedAt: new Date().toISOString() }],
          },
        ],
        conductorTaskQueue: stack.temporal.conductorTaskQueue,
        allowedCidrs: [env.pool],
        // Paused, so nothing is probed or acted on.
        carried: {
          counters: {
            'i-1': { consecutiveFailures: 2, consecutiveSuccesses: 0, lastResult: 'failed', episode: 5 },
            'i-gone': { consecutiveFailures: 9, consecutiveSuccesses: 0 },
          },
          nextEpisode: 6,
          history: [record],
          lastAction: record,
          paused: true,
        },
      };
      const h = await stack.client.workflow.start(MONITOR_WORKFLOW_TYPE, {
        workflowId: monitorWorkflowId(vnfId),
        taskQueue: stack.temporal.monitorTaskQueue,
        args: [input],
      });
      try {
        const s = await eventually('status', async () => h.query<MonitorStatus>('status'));
        expect(s.generation).toBe(7);
        expect(s.state).toBe('PAUSED');
        expect(s.history).toEqual([record]);
        expect(s.lastAction).toEqual(record);
        // Counters of targets still monitored are kept; those of gone targets dropped.
        expect(s.targets).toHaveLength(1);
        expect(s.targets[0]).toMatchObject({
          instanceId: 'i-1',
          consecutiveFailures: 2,
          episode: 5,
          state: 'paused',
        });
      } finally {
        await h.terminate('test done');
      }
    });
  },
);
