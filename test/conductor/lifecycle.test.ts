// Lifecycle workflows on real namespaces, driven the way the API drives them
// (create: row + workflow start; delete/scale: update-with-start and the
// `accepted` update): create → ACTIVE with a pingable IP per instance; scale
// out 1→2→3 and in 3→1 with the right instances and IPs, past max / below
// min refused with nothing changed; delete removes every namespace and
// releases the IPs; the failure paths end in the documented states.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_VNF_WORKFLOW,
  DELETE_VNF_WORKFLOW,
  lifecycleWorkflowId,
  SCALE_VNF_WORKFLOW,
} from '../../src/conductor/contract.js';
import { cidrContains } from '../../src/net/cidr.js';
import {
  createVnf,
  createVnfd,
  liveInstances,
  sampleTemplate,
  vnfEvents,
  vnfStatus,
} from '../helpers/fixtures.js';
import {
  lifecycleResult,
  monitorExecution,
  monitorStatus,
  netnsVimEnv,
  requestOperation,
  template,
  type VimEnv,
} from '../helpers/lifecycle.js';
import { netnsUnavailable } from '../helpers/netns.js';
import { pingSoon } from '../vim/helpers.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED conductor lifecycle tests: ${skip}`);

describe.skipIf(skip)('conductor lifecycle on netns VDUs', () => {
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

  const scale = (vnfId: string, type: 'out' | 'in') =>
    requestOperation(stack, SCALE_VNF_WORKFLOW, { vnfId, policy: 'SP1', type });

  /** A VNF row as the API writes it, before any create workflow has run. */
  async function pendingVnf(name: string) {
    const template = sampleTemplate('vnfd-ping-scaling', { period: 1 });
    const vnfdId = await createVnfd(stack.db, env.tenantId, template, `${name}-vnfd`);
    return stack.db.vnf.create({ data: { tenantId: env.tenantId, name, vnfdId, vimId: env.vimId } });
  }

  /** Live instances with their namespaces, checked against the host and the IP allocations. */
  async function checkedInstances(vnfId: string, vim: VimEnv) {
    const live = await liveInstances(stack.db, vnfId);
    const namespaces = await vim.namespaces();
    for (const i of live) {
      expect(i.status).toBe('ACTIVE');
      expect(cidrContains(vim.pool, i.mgmtIp!)).toBe(true);
      expect(namespaces).toContain(i.vimResourceId);
      const alloc = await stack.db.ipAllocation.findUnique({ where: { instanceId: i.id } });
      expect(alloc?.ip).toBe(i.mgmtIp);
    }
    expect(new Set(live.map((i) => i.mgmtIp)).size).toBe(live.length);
    return live;
  }

  describe('one VNF through create, scale and delete', () => {
    let vnfId: string;
    let first: { id: string; mgmtIp: string | null; vimResourceId: string | null };
    const removed: { id: string; mgmtIp: string; ns: string }[] = [];

    it('create → ACTIVE with a pingable management IP per instance and a running monitor', async () => {
      vnfId = await createVnf(stack, env, sampleTemplate('vnfd-ping-scaling', { period: 1 }), 'scaled');
      const r = await lifecycleResult(stack, vnfId);
      expect(r.status).toBe('ACTIVE');
      expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
      const live = await checkedInstances(vnfId, env);
      expect(live.map((i) => [i.vduName, i.index])).toEqual([['VDU1', 0]]);
      first = live[0]!;
      expect(await pingSoon(first.mgmtIp!)).toBe(true);
      const vnf = await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } });
      expect(vnf.monitorActionId).toBeTruthy();
      const kinds = (await vnfEvents(stack.db, vnfId)).map((e) => `${e.eventType}:${e.resourceState}`);
      expect(kinds).toEqual(['CREATE:ACTIVE']);
      await eventually('monitor watching the instance', async () => {
        const s = await monitorStatus(stack, vnfId);
        return s.actionId === vnf.monitorActionId && s.targets.map((t) => t.ip).join() === first.mgmtIp;
      });
    });

    it('scale out 1→2→3: new instances at the next indexes with new pingable IPs; the first untouched', async () => {
      for (const n of [2, 3]) {
        const req = await scale(vnfId, 'out');
        expect(req.answer).toEqual({ accepted: true, status: 'PENDING_SCALE_OUT' });
        expect((await req.result()).status).toBe('ACTIVE');
        const live = await checkedInstances(vnfId, env);
        expect(live.map((i) => i.index)).toEqual([...Array(n).keys()]);
        expect(live[0]!.id).toBe(first.id);
        expect(live[0]!.mgmtIp).toBe(first.mgmtIp);
        for (const i of live) expect(await pingSoon(i.mgmtIp!), i.mgmtIp!).toBe(true);
      }
      expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
      // The monitor is told the new set.
      const ips = (await liveInstances(stack.db, vnfId)).map((i) => i.mgmtIp).sort();
      await eventually('monitor watching three instances', async () => {
        const s = await monitorStatus(stack, vnfId);
        return JSON.stringify(s.targets.map((t) => t.ip).sort()) === JSON.stringify(ips);
      });
    });

    it('scale out past max_instances is refused and nothing changes', async () => {
      const before = await liveInstances(stack.db, vnfId);
      const events = (await vnfEvents(stack.db, vnfId)).length;
      const req = await scale(vnfId, 'out');
      expect(req.answer).toMatchObject({ accepted: false, reason: 'conflict', type: 'VNFScaleLimit' });
      expect((await req.result()).status).toBe('REFUSED');
      expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
      expect(await liveInstances(stack.db, vnfId)).toEqual(before);
      expect((await vnfEvents(stack.db, vnfId)).length).toBe(events);
      expect((await env.namespaces()).length).toBe(3);
    });

    it('scale in 3→1 removes the last instances: namespaces gone, IPs released', async () => {
      for (const n of [2, 1]) {
        const before = await liveInstances(stack.db, vnfId);
        const last = before.at(-1)!;
        const req = await scale(vnfId, 'in');
        expect(req.answer).toEqual({ accepted: true, status: 'PENDING_SCALE_IN' });
        expect((await req.result()).status).toBe('ACTIVE');
        const live = await checkedInstances(vnfId, env);
        expect(live.map((i) => i.id)).toEqual(before.slice(0, n).map((i) => i.id));
        expect(await env.namespaces()).not.toContain(last.vimResourceId);
        const alloc = await stack.db.ipAllocation.findFirst({
          where: { ip: last.mgmtIp!, vimId: env.vimId },
        });
        expect(alloc).toMatchObject({ instanceId: null, vnfId: null });
        expect(alloc!.releasedAt).not.toBeNull();
        const row = await stack.db.vduInstance.findUniqueOrThrow({ where: { id: last.id } });
        expect(row.status).toBe('DELETED');
        removed.push({ id: last.id, mgmtIp: last.mgmtIp!, ns: last.vimResourceId! });
      }
      expect((await liveInstances(stack.db, vnfId)).map((i) => i.id)).toEqual([first.id]);
      await eventually('monitor watching the one left', async () => {
        const s = await monitorStatus(stack, vnfId);
        return s.targets.map((t) => t.ip).join() === first.mgmtIp;
      });
      const kinds = (await vnfEvents(stack.db, vnfId)).map((e) => `${e.eventType}:${e.resourceState}`);
      expect(kinds.filter((k) => k === 'SCALE:ACTIVE')).toHaveLength(4);
    });

    it('scale in below min_instances is refused and nothing changes', async () => {
      const before = await liveInstances(stack.db, vnfId);
      const events = (await vnfEvents(stack.db, vnfId)).length;
      const req = await scale(vnfId, 'in');
      expect(req.answer).toMatchObject({ accepted: false, reason: 'conflict', type: 'VNFScaleLimit' });
      expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
      expect(await liveInstances(stack.db, vnfId)).toEqual(before);
      expect((await vnfEvents(stack.db, vnfId)).length).toBe(events);
    });

    it('a scale with an unknown policy is refused as not found', async () => {
      const req = await requestOperation(stack, SCALE_VNF_WORKFLOW, { vnfId, policy: 'SP9', type: 'out' });
      expect(req.answer).toMatchObject({ accepted: false, reason: 'not_found', type: 'VnfPolicyNotFound' });
    });

    it('delete removes every namespace, releases the IPs, soft-deletes the row and ends the monitor', async () => {
      const req = await requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: false });
      expect(req.answer).toEqual({ accepted: true, status: 'PENDING_DELETE' });
      expect((await req.result()).status).toBe('DELETED');
      expect(await env.namespaces()).toEqual([]);
      expect(await liveInstances(stack.db, vnfId)).toEqual([]);
      const held = await stack.db.ipAllocation.findMany({
        where: { vimId: env.vimId, instanceId: { not: null } },
      });
      expect(held).toEqual([]);
      const vnf = await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } });
      expect(vnf.deletedAt).not.toBeNull();
      expect(vnf.monitorActionId).toBeNull();
      const kinds = (await vnfEvents(stack.db, vnfId)).map((e) => `${e.eventType}:${e.resourceState}`);
      expect(kinds.slice(-2)).toEqual(['DELETE:PENDING_DELETE', 'DELETE:DELETED']);
      await eventually(
        'monitor completed',
        async () => (await monitorExecution(stack, vnfId)) === 'COMPLETED',
      );
      // A deleted VNF is gone for every operation.
      const again = await requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: false });
      expect(again.answer).toMatchObject({ accepted: false, reason: 'not_found' });
      expect(removed).toHaveLength(2);
    });
  });

  it('a VIM error on create (pool too small) → ERROR with error_reason and an event; nothing left behind', async () => {
    // A /29 pool has five instance addresses; the VNF wants six.
    const small = await netnsVimEnv(stack.db, { prefix: 29 });
    envs.push(small);
    const vnfId = await createVnf(
      stack,
      small,
      template('vnfd-ping-scaling', { instances: 6, params: { period: 1 } }),
      'too-big',
    );
    const r = await lifecycleResult(stack, vnfId);
    expect(r.status).toBe('ERROR');
    const vnf = await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } });
    expect(vnf.status).toBe('ERROR');
    expect(vnf.errorReason).toMatch(/no free address left in pool/);
    expect(vnf.monitorActionId).toBeNull();
    const events = await vnfEvents(stack.db, vnfId);
    expect(events.map((e) => `${e.eventType}:${e.resourceState}`)).toEqual(['CREATE:ERROR']);
    expect(JSON.stringify(events[0]!.eventDetails)).toMatch(/no free address/);
    // Cleaned up: the five that booted are gone, and so are their addresses.
    expect(await liveInstances(stack.db, vnfId)).toEqual([]);
    expect(await stack.db.vduInstance.count({ where: { vnfId } })).toBeGreaterThanOrEqual(5);
    expect(await small.namespaces()).toEqual([]);
    expect(
      await stack.db.ipAllocation.count({ where: { vimId: small.vimId, instanceId: { not: null } } }),
    ).toBe(0);
    // A VNF in ERROR cannot be scaled, but can be deleted.
    const sc = await scale(vnfId, 'out');
    expect(sc.answer).toMatchObject({ accepted: false, reason: 'conflict', type: 'VNFInUse' });
    const del = await requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: false });
    expect(del.answer).toEqual({ accepted: true, status: 'PENDING_DELETE' });
    expect((await del.result()).status).toBe('DELETED');
  });

  it('delete and scale of a PENDING_CREATE VNF are refused (conflict); create then proceeds', async () => {
    const vnf = await pendingVnf('pending');
    const vnfId = vnf.id;
    expect(vnf.status).toBe('PENDING_CREATE');

    const del = await requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: false });
    expect(del.answer).toMatchObject({ accepted: false, reason: 'conflict', type: 'VNFInUse' });
    expect((del.answer as { message: string }).message).toMatch(/PENDING_CREATE/);
    const sc = await scale(vnfId, 'out');
    expect(sc.answer).toMatchObject({ accepted: false, reason: 'conflict', type: 'VNFInUse' });
    expect(await vnfStatus(stack.db, vnfId)).toBe('PENDING_CREATE');
    expect(await vnfEvents(stack.db, vnfId)).toEqual([]);

    // While the create workflow holds the VNF (here: started on a queue no
    // worker polls, so it stays running), Temporal itself refuses a second
    // operation under the VNF's lifecycle id: the API's 409 VNFInUse.
    const held = await stack.client.workflow.start(CREATE_VNF_WORKFLOW, {
      workflowId: lifecycleWorkflowId(vnfId),
      taskQueue: `nobody-${randomUUID()}`,
      args: [{ vnfId }],
    });
    const busy = await requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: false });
    expect(busy.answer).toEqual({ accepted: false, reason: 'in_use' });
    await held.terminate('test: hand the VNF to the real conductor');

    // The create the API would have started finishes normally.
    await stack.client.workflow.start(CREATE_VNF_WORKFLOW, {
      workflowId: lifecycleWorkflowId(vnfId),
      taskQueue: stack.temporal.conductorTaskQueue,
      args: [{ vnfId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect((await lifecycleResult(stack, vnfId)).status).toBe('ACTIVE');
    const del2 = await requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: false });
    expect(del2.answer).toEqual({ accepted: true, status: 'PENDING_DELETE' });
    expect((await del2.result()).status).toBe('DELETED');
    expect(await env.namespaces()).toEqual([]);
  });

  it('an admin force delete replaces a stuck create and deletes the VNF from PENDING_CREATE', async () => {
    const vnfId = (await pendingVnf('stuck')).id;
    // A create no worker runs (a conductor outage): the VNF stays PENDING_CREATE.
    const stuck = await stack.client.workflow.start(CREATE_VNF_WORKFLOW, {
      workflowId: lifecycleWorkflowId(vnfId),
      taskQueue: `nobody-${randomUUID()}`,
      args: [{ vnfId }],
    });
    const plain = await requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: false });
    expect(plain.answer).toEqual({ accepted: false, reason: 'in_use' });
    const forced = await requestOperation(stack, DELETE_VNF_WORKFLOW, {
      vnfId,
      force: true,
      requestedBy: 'admin',
    });
    expect(forced.answer).toEqual({ accepted: true, status: 'PENDING_DELETE' });
    expect((await forced.result()).status).toBe('DELETED');
    const old = stack.client.workflow.getHandle(lifecycleWorkflowId(vnfId), stuck.firstExecutionRunId);
    expect((await old.describe()).status.name).toBe('TERMINATED');
    expect((await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } })).deletedAt).not.toBeNull();
    const kinds = (await vnfEvents(stack.db, vnfId)).map((e) => `${e.eventType}:${e.resourceState}`);
    expect(kinds.slice(-2)).toEqual(['DELETE:PENDING_DELETE', 'DELETE:DELETED']);
    expect(await env.namespaces()).toEqual([]);
  });
});
