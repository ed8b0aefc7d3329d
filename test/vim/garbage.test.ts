// The conductor's VIM garbage collection (src/conductor/maintenance/vim-garbage.ts)
// on real namespaces and a database of this file's own (garbage collection
// looks at every VIM of its database). It may take only what is provably
// orphaned — no live row, older than the grace, not locked by any replica —
// and it runs on every maintenance pass of a running conductor.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceActivities } from '../../src/conductor/activities/vim-instances.js';
import { collectVimGarbage } from '../../src/conductor/maintenance/vim-garbage.js';
import { createDb, type Db } from '../../src/db/client.js';
import type { Logger } from '../../src/logger.js';
import { bridgeMac, namespaceName } from '../../src/vim/netns-names.js';
import { BLACKHOLE_METRIC, type NetnsVimDriver } from '../../src/vim/netns.js';
import { vimDriverFor } from '../../src/vim/registry.js';
import { testTemporalConfig } from '../helpers/env.js';
import { privateDatabase, spawnWorker, type PrivateDb, type WorkerProcess } from '../helpers/lifecycle.js';
import { netnsUnavailable, pingSoon } from './helpers.js';
import { hostView, netnsVimRow, replica, until, violations, vnfRow } from './state.js';

const exec = promisify(execFile);
const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`SKIPPED test/vim/garbage.test.ts: ${unavailable}`);

const lines: string[] = [];
const log = {
  info: (o: object, m: string) => lines.push(`info ${m} ${JSON.stringify(o)}`),
  warn: (o: object, m: string) => lines.push(`warn ${m} ${JSON.stringify(o)}`),
  debug: () => undefined,
} as unknown as Logger;

describe.skipIf(!!unavailable)('VIM garbage collection (real namespaces, own database)', () => {
  let priv: PrivateDb;
  let db: Db;
  /** The other replica: a database client of its own. */
  let other: Db;
  const drivers: NetnsVimDriver[] = [];

  beforeAll(async () => {
    priv = await privateDatabase();
    db = createDb(priv.url, { max: 4 });
    other = createDb(priv.url, { max: 4 });
  });

  afterAll(async () => {
    for (const d of drivers) await d.teardown().catch(() => undefined);
    await db?.$disconnect();
    await other?.$disconnect();
    await priv?.drop();
  });

  async function setup(prefix?: number) {
    const vim = await netnsVimRow(db, prefix);
    const driver = vimDriverFor(vim, { db }) as NetnsVimDriver;
    drivers.push(driver);
    const vnfId = await vnfRow(db, vim);
    return { vim, vnfId, driver };
  }
  const gc = (graceMs: number) => collectVimGarbage({ db, log }, { graceMs });
  const boot = (steps: ReturnType<typeof instanceActivities>, vnfId: string, index = 0) =>
    steps.bootInstance({ vnfId, instanceId: randomUUID(), vduName: 'VDU1', index });

  it('never touches instances another replica boots while it runs', async () => {
    const { vim, vnfId, driver } = await setup();
    // Orphans with responders: collecting them takes a while.
    const orphans = [];
    for (let i = 0; i < 8; i++) {
      orphans.push(
        await driver.createInstance({
          vimId: vim.id,
          vnfId,
          instanceId: randomUUID(),
          vduName: 'VDU1',
          index: 9,
          image: 'cirros',
          httpPort: 8000,
        }),
      );
    }
    const collecting = gc(0);
    const booted = await Promise.all([0, 1, 2, 3].map((i) => boot(instanceActivities(other), vnfId, i)));
    await collecting;
    const host = await hostView(vim.id);
    for (const o of orphans) expect(host.has(o.resourceId), `orphan ${o.resourceId} left`).toBe(false);
    for (const b of booted) {
      expect(await driver.describeInstance(b.instanceId)).toMatchObject({ state: 'up', mgmtIp: b.mgmtIp });
      expect(await pingSoon(b.mgmtIp)).toBe(true);
    }
    expect(await violations(db, vim.id)).toEqual([]);
  });

  it('takes only what is provably orphaned: no live row, older than the grace, not locked', async () => {
    const { vim, vnfId } = await setup();
    const steps = instanceActivities(db);
    const keep = await boot(steps, vnfId, 0);
    const dead = await boot(steps, vnfId, 1);
    const locked = await boot(steps, vnfId, 2);
    // Rows deleted while their namespaces stay (a crash between the two).
    await db.vduInstance.updateMany({
      where: { id: { in: [dead.instanceId, locked.instanceId] } },
      data: { status: 'DELETED', deletedAt: new Date() },
    });
    // An address held for an instance that never got a row or a namespace (a crash after allocating).
    const ghost = randomUUID();
    await db.ipAllocation.create({
      data: {
        vimId: vim.id,
        ip: '0.0.0.0',
        instanceId: ghost,
        vnfId,
        allocatedAt: new Date(Date.now() - 600_000),
      },
    });

    // Younger than the grace: nothing goes.
    expect(await gc(60_000)).toEqual([]);
    expect([...(await hostView(vim.id)).keys()].sort()).toEqual(
      [keep, dead, locked].map((i) => namespaceName(vim.id, i.instanceId)).sort(),
    );

    // Another replica works on `locked` (its lock is held in another process).
    const holder = replica('hold', { key: namespaceName(vim.id, locked.instanceId), ms: 4000 }, priv.url);
    await until(() => holder.lines().includes('held'), 30_000, 'the other replica to hold the lock');
    const removed = await gc(0);
    expect(removed).toContain(`netns:${namespaceName(vim.id, dead.instanceId)}`);
    expect(removed).toContain(`ip:${dead.mgmtIp}`);
    expect(removed.join(' ')).not.toContain(namespaceName(vim.id, locked.instanceId));
    expect(await db.ipAllocation.count({ where: { instanceId: ghost } })).toBe(0);
    expect([...(await hostView(vim.id)).keys()].sort()).toEqual(
      [keep, locked].map((i) => namespaceName(vim.id, i.instanceId)).sort(),
    );

    // Once the other replica is done, the next pass takes it.
    expect(await holder.result).toEqual({ ok: 'released' });
    expect(await gc(0)).toContain(`netns:${namespaceName(vim.id, locked.instanceId)}`);
    expect([...(await hostView(vim.id)).keys()]).toEqual([namespaceName(vim.id, keep.instanceId)]);
    expect(await pingSoon(keep.mgmtIp)).toBe(true);
    expect(await violations(db, vim.id)).toEqual([]);
  });

  it('removes the instances, addresses and rows a soft-deleted VNF left', async () => {
    const { vim, vnfId } = await setup();
    const inst = await boot(instanceActivities(db), vnfId);
    // A force delete that raced with a boot: the VNF row is gone, its instance row and namespace are not.
    await db.vnf.update({
      where: { id: vnfId },
      data: { status: 'DEAD', deletedAt: new Date(Date.now() - 600_000) },
    });
    await gc(60_000);
    expect(await hostView(vim.id)).toEqual(new Map());
    expect(
      (await db.vduInstance.findUniqueOrThrow({ where: { id: inst.instanceId } })).deletedAt,
    ).not.toBeNull();
    expect(await db.ipAllocation.count({ where: { vnfId, instanceId: { not: null } } })).toBe(0);
  });

  it("removes a deleted VIM's bridge and blackhole route, and a new VIM may take over its bridge name", async () => {
    const { vim, vnfId } = await setup();
    const steps = instanceActivities(db);
    const inst = await boot(steps, vnfId);
    await steps.deleteInstance({ instanceId: inst.instanceId });
    await db.vnf.update({ where: { id: vnfId }, data: { deletedAt: new Date() } });
    await db.vim.update({ where: { id: vim.id }, data: { deletedAt: new Date() } });

    // A VIM registered later on the same bridge and pool works at once.
    const again = await db.vim.create({
      data: { tenantId: vim.tenantId, name: 'again', type: 'netns', config: vim.config },
    });
    drivers.push(vimDriverFor(again, { db }) as NetnsVimDriver);
    const vnf2 = await vnfRow(db, { id: again.id, tenantId: vim.tenantId });
    const inst2 = await boot(steps, vnf2);
    expect(await pingSoon(inst2.mgmtIp)).toBe(true);
    await gc(60_000);
    expect(await pingSoon(inst2.mgmtIp)).toBe(true); // the new VIM's bridge and route stay

    await steps.deleteInstance({ instanceId: inst2.instanceId });
    await db.vnf.update({ where: { id: vnf2 }, data: { deletedAt: new Date() } });
    await db.vim.update({ where: { id: again.id }, data: { deletedAt: new Date() } });
    const removed = await gc(60_000);
    expect(removed).toContain(`bridge:${vim.config.bridge}`);
    expect(removed).toContain(`route:blackhole ${vim.config.pool}`);
    await expect(exec('ip', ['link', 'show', 'dev', vim.config.bridge])).rejects.toThrow();
    const { stdout } = await exec('ip', ['-j', 'route', 'show', 'table', 'main', 'exact', vim.config.pool]);
    expect(stdout.trim() ? JSON.parse(stdout) : []).toEqual([]);
    expect(bridgeMac(again.id)).not.toBe(bridgeMac(vim.id));
    expect(BLACKHOLE_METRIC).toBeGreaterThan(0);
  });

  it('runs on every maintenance pass of a running conductor', async () => {
    const { vim, vnfId, driver } = await setup();
    let conductor: WorkerProcess | undefined;
    try {
      conductor = await spawnWorker('conductor', testTemporalConfig(), {
        DATABASE_URL: priv.url,
        VNFM_CONDUCTOR_RECONCILE_INTERVAL: '1',
        VNFM_CONDUCTOR_GC_GRACE: '1',
      });
      // Made after the conductor started: a namespace no row will ever own.
      const orphan = await driver.createInstance({
        vimId: vim.id,
        vnfId,
        instanceId: randomUUID(),
        vduName: 'VDU1',
        index: 0,
        image: 'cirros',
      });
      await until(
        async () => !(await hostView(vim.id)).has(orphan.resourceId),
        20_000,
        'the orphan to be collected',
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${conductor?.output()}`);
      });
      await until(
        () => conductor!.output().includes('removed orphaned VIM resources'),
        5_000,
        'the conductor to say what it removed',
      );
    } finally {
      await conductor?.stop();
    }
  });
});
