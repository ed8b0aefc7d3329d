// Crash safety of the conductor (issue 3, and issue 4's "conductor killed
// mid-action"): the conductor runs as its own process, as in production, and
// is killed with SIGKILL in the middle of a create, a delete and a respawn,
// the moment the database shows the operation half done; a new conductor
// process then finishes the operation exactly once: no VNF left in PENDING_*,
// no duplicated or leaked namespace, no IP handed out twice.
//
// The file has a database of its own: a conductor process reconciles every
// VNF and VIM of its database at start, which must not reach into other test
// files' rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELETE_VNF_WORKFLOW } from '../../src/conductor/contract.js';
import type { Db } from '../../src/db/client.js';
import { createVnf, liveInstances, vnfEvents, vnfStatus } from '../helpers/fixtures.js';
import {
  monitorStatus,
  netnsVimEnv,
  privateDatabase,
  requestOperation,
  spawnWorker,
  template,
  type PrivateDb,
  type VimEnv,
  type WorkerProcess,
} from '../helpers/lifecycle.js';
import { icmpInEchos, netnsUnavailable } from '../helpers/netns.js';
import { pingSoon } from '../vim/helpers.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED conductor crash tests: ${skip}`);

/** Polls the database fast until `fn` holds (no sleeps-and-hope: the kill follows the first sighting). */
async function watchDb<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  return eventually(what, fn, timeoutMs, 5);
}

/** The invariants after any operation: instances, namespaces and IP allocations agree one to one. */
async function checkConsistent(db: Db, env: VimEnv, vnfIds: string[]) {
  const live = (await Promise.all(vnfIds.map((id) => liveInstances(db, id)))).flat();
  const namespaces = await env.namespaces();
  expect(namespaces.sort()).toEqual(live.map((i) => i.vimResourceId!).sort());
  const held = await db.ipAllocation.findMany({ where: { vimId: env.vimId, instanceId: { not: null } } });
  expect(held.map((a) => `${a.instanceId}=${a.ip}`).sort()).toEqual(
    live.map((i) => `${i.id}=${i.mgmtIp}`).sort(),
  );
  expect(new Set(held.map((a) => a.ip)).size).toBe(held.length);
  return live;
}

describe.skipIf(skip)('conductor crash safety (kill -9 mid-operation)', () => {
  let pdb: PrivateDb;
  let stack: TestStack;
  let env: VimEnv;
  let conductor: WorkerProcess | undefined;
  const startConductor = async () => {
    conductor = await spawnWorker('conductor', stack.temporal, { DATABASE_URL: pdb.url });
  };
  const killConductor = async () => {
    await conductor!.sigkill();
    conductor = undefined;
  };

  beforeAll(async () => {
    pdb = await privateDatabase();
    // Monitor in this process; the conductor in its own.
    stack = await startStack({ conductor: false, databaseUrl: pdb.url, heartbeatTimeoutMs: 3000 });
    env = await netnsVimEnv(stack.db);
    await startConductor();
  });
  afterAll(async () => {
    await conductor?.stop();
    await stack?.stop();
    await env?.cleanup();
    await pdb?.drop();
  });

  let vnfId: string;

  it('create: killed once the first instance row exists → a new conductor finishes it exactly once', async () => {
    vnfId = await createVnf(
      stack,
      env,
      template('vnfd-ping-scaling', { instances: 5, params: { period: 1, monitoring_delay: 1 } }),
      'crash-create',
    );
    await watchDb(
      'the first instance row',
      async () => (await stack.db.vduInstance.count({ where: { vnfId } })) > 0,
    );
    await killConductor();
    // The kill landed mid-create: the VNF is still PENDING_CREATE.
    expect(await vnfStatus(stack.db, vnfId)).toBe('PENDING_CREATE');
    const atKill = await stack.db.vduInstance.findMany({ where: { vnfId } });
    expect(atKill.length).toBeGreaterThan(0);

    await startConductor();
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE', 60_000);
    const live = await checkConsistent(stack.db, env, [vnfId]);
    expect(live.map((i) => i.index)).toEqual([0, 1, 2, 3, 4]);
    expect(live.every((i) => i.status === 'ACTIVE')).toBe(true);
    // The rows the first conductor made were resumed, not duplicated.
    expect(await stack.db.vduInstance.count({ where: { vnfId } })).toBe(5);
    for (const r of atKill) expect(live.map((i) => i.id)).toContain(r.id);
    for (const i of live) expect(await pingSoon(i.mgmtIp!), i.mgmtIp!).toBe(true);
    const kinds = (await vnfEvents(stack.db, vnfId)).map((e) => `${e.eventType}:${e.resourceState}`);
    expect(kinds).toEqual(['CREATE:ACTIVE']);
    await eventually(
      'monitor on five targets',
      async () => (await monitorStatus(stack, vnfId)).targets.length === 5,
    );
  });

  it('delete: killed once the first instance is deleted → a new conductor finishes it exactly once', async () => {
    const req = await requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: false });
    expect(req.answer).toEqual({ accepted: true, status: 'PENDING_DELETE' });
    await watchDb(
      'the first instance deleted',
      async () => (await stack.db.vduInstance.count({ where: { vnfId, deletedAt: { not: null } } })) > 0,
    );
    await killConductor();
    expect(await vnfStatus(stack.db, vnfId)).toBe('PENDING_DELETE');
    expect((await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } })).deletedAt).toBeNull();

    await startConductor();
    expect((await req.result()).status).toBe('DELETED');
    const vnf = await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } });
    expect(vnf.deletedAt).not.toBeNull();
    expect(await checkConsistent(stack.db, env, [vnfId])).toEqual([]);
    expect(await env.namespaces()).toEqual([]);
    const kinds = (await vnfEvents(stack.db, vnfId)).map((e) => `${e.eventType}:${e.resourceState}`);
    expect(kinds.filter((k) => k === 'DELETE:DELETED')).toHaveLength(1);
  });

  it('respawn: killed after the old instances are deleted → the respawn completes once, VNF ACTIVE', async () => {
    const id = await createVnf(
      stack,
      env,
      template('vnfd-ping-respawn', { instances: 4, params: { period: 1, monitoring_delay: 1 } }),
      'crash-respawn',
    );
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, id)) === 'ACTIVE');
    const old = await liveInstances(stack.db, id);
    expect(old).toHaveLength(4);
    await eventually('monitor probing', async () => (await monitorStatus(stack, id)).state === 'PROBING');

    await env.inject(old[0]!.id, 'link-down');
    await watchDb(
      'an old instance deleted by the respawn',
      async () => (await stack.db.vduInstance.count({ where: { vnfId: id, deletedAt: { not: null } } })) > 0,
    );
    await killConductor();
    // Mid-respawn: DEAD, and not all new instances up.
    expect(await vnfStatus(stack.db, id)).toBe('DEAD');

    await startConductor();
    await eventually('VNF ACTIVE again', async () => (await vnfStatus(stack.db, id)) === 'ACTIVE', 60_000);
    const live = await checkConsistent(stack.db, env, [id]);
    expect(live).toHaveLength(4);
    expect(live.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    for (const i of live) expect(old.map((o) => o.id)).not.toContain(i.id);
    const execs = await stack.db.policyActionExecution.findMany({ where: { vnfId: id } });
    expect(execs).toHaveLength(1);
    await eventually(
      'the policy action done',
      async () =>
        (await stack.db.policyActionExecution.findUniqueOrThrow({ where: { id: execs[0]!.id } })).status ===
        'DONE',
    );
    const respawned = (await vnfEvents(stack.db, id)).filter((e) =>
      (e.eventDetails as { message?: string }).message?.startsWith('VNF respawned'),
    );
    expect(respawned).toHaveLength(1);
    // Eight instance rows in all: four old, four new; nothing booted twice.
    expect(await stack.db.vduInstance.count({ where: { vnfId: id } })).toBe(8);
    // The monitor carries on with the new instances.
    await eventually('monitor on the new set', async () => {
      const s = await monitorStatus(stack, id);
      return (
        JSON.stringify(s.targets.map((t) => t.ip).sort()) === JSON.stringify(live.map((i) => i.mgmtIp).sort())
      );
    });
    for (const i of live) {
      const ns = i.vimResourceId!;
      await eventually(`probes reaching ${ns}`, async () => ((await icmpInEchos(ns)) ?? 0) >= 2, 15_000);
    }
  });
});
