// Two conductor replicas working on the same instance: this test process is
// one (its own database client), a child process the other
// (fixtures/replica.ts), on real namespaces and the real database. The
// instance lock must hold across them, and a boot must never leave a
// namespace behind a delete — whatever the order in which they meet.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceActivities } from '../../src/conductor/activities/vim-instances.js';
import { namespaceName } from '../../src/vim/netns-names.js';
import { DEFAULT_STATE_DIR } from '../../src/vim/netns-records.js';
import { NetnsVimDriver } from '../../src/vim/netns.js';
import { vimDriverFor } from '../../src/vim/registry.js';
import { databaseUrl, testDb } from '../helpers/env.js';
import { netnsUnavailable } from './helpers.js';
import { hostView, netnsVimRow, replica, until, violations, vnfRow } from './state.js';

const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`SKIPPED test/vim/replicas.test.ts: ${unavailable}`);

describe.skipIf(!!unavailable)('VIM instance steps on two replicas (real namespaces, two processes)', () => {
  const db = testDb();
  const steps = instanceActivities(db);
  const teardown: NetnsVimDriver[] = [];

  afterAll(async () => {
    for (const d of teardown) await d.teardown().catch(() => undefined);
    await db.$disconnect();
  });

  async function setup(prefix?: number) {
    const vim = await netnsVimRow(db, prefix);
    teardown.push(vimDriverFor(vim, { db }) as NetnsVimDriver);
    const vnfId = await vnfRow(db, vim);
    return { vim, vnfId };
  }

  beforeAll(async () => {
    // Warm up tsx's cache so a replica starts in well under a second.
    await replica('delete', { instanceId: randomUUID() }, databaseUrl()).result;
  });

  it('a delete waits for the boot another replica is running, and nothing outlives the delete', async () => {
    const { vim, vnfId } = await setup();
    const instanceId = randomUUID();
    const ns = namespaceName(vim.id, instanceId);
    const boot = replica('boot', { vnfId, instanceId, vduName: 'VDU1', index: 0 }, databaseUrl());
    // Stop the other replica in the middle of its build: address allocated, record written.
    await until(() => existsSync(`${DEFAULT_STATE_DIR}/${ns}.json`), 30_000, 'the boot to write its record');
    boot.child.kill('SIGSTOP');
    let deleted = false;
    const del = steps.deleteInstance({ instanceId }).then(() => (deleted = true));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      // The boot holds the instance: the delete must wait, not act on a half-built namespace.
      expect(deleted, 'the delete finished while the boot was still building').toBe(false);
    } finally {
      boot.child.kill('SIGCONT');
    }
    await del;
    const result = await boot.result;
    // Either the boot finished first (then the delete removed it), or it saw the delete and undid its work.
    if (result.error) expect(result.error).toMatch(/was deleted/);
    expect(await hostView(vim.id)).toEqual(new Map());
    expect((await db.vduInstance.findUniqueOrThrow({ where: { id: instanceId } })).deletedAt).not.toBeNull();
    expect(await db.ipAllocation.count({ where: { instanceId } })).toBe(0);
    expect(existsSync(`${DEFAULT_STATE_DIR}/${ns}.json`)).toBe(false);
    expect(await violations(db, vim.id)).toEqual([]);
  });

  it('a boot that finishes after its instance was deleted undoes its work: no namespace on a released address', async () => {
    // Five instance addresses: a released one is handed out again as soon as the fresh ones are gone.
    const { vim, vnfId } = await setup(29);
    const instanceId = randomUUID();
    const ns = namespaceName(vim.id, instanceId);
    // The deleting replica holds the instance (its VIM step) while this boot starts.
    const holder = replica('hold', { key: ns, ms: 2500 }, databaseUrl());
    await until(() => holder.lines().includes('held'), 30_000, 'the other replica to hold the lock');
    const boot = steps.bootInstance({ vnfId, instanceId, vduName: 'VDU1', index: 0 });
    boot.catch(() => undefined);
    await until(
      async () => (await db.vduInstance.count({ where: { id: instanceId } })) === 1,
      10_000,
      'the boot to write its row',
    );
    // What the delete wrote before its VIM step.
    await db.vduInstance.update({ where: { id: instanceId }, data: { status: 'DELETING' } });
    expect(await holder.result).toEqual({ ok: 'released' });
    await expect(boot).rejects.toThrow(/was deleted while it booted/);
    expect((await hostView(vim.id)).has(ns)).toBe(false);
    expect(await db.ipAllocation.count({ where: { instanceId } })).toBe(0);
    expect((await db.vduInstance.findUniqueOrThrow({ where: { id: instanceId } })).deletedAt).not.toBeNull();

    // Fill the pool: the address that boot had is handed out again, to one namespace only.
    const more = await Promise.all(
      [1, 2, 3, 4, 5].map((index) =>
        steps.bootInstance({ vnfId, instanceId: randomUUID(), vduName: 'VDU1', index }),
      ),
    );
    expect(new Set(more.map((m) => m.mgmtIp)).size).toBe(5);
    expect(await violations(db, vim.id)).toEqual([]);
  });
});
