// VIM garbage: what a crash, a race or a force delete left on the host or in
// the database, collected on every maintenance pass of every conductor
// replica. Only what is provably orphaned goes: no live row (a row not
// deleted, under a VNF not deleted), older than the grace, and not locked by
// an operation in flight on any replica (instance-locks.ts).
//   - namespaces, records and held addresses of live netns VIMs (the driver
//     decides each under its lock, see NetnsVimDriver.collectGarbage);
//   - rows left live under a soft-deleted VNF: their instance is removed from
//     the VIM and the row marked deleted;
//   - deleted netns VIMs: their bridge and blackhole route;
//   - host objects of an earlier database at this installation's home.
import type { Db } from '../../db/client.js';
import type { GarbagePolicy, VimDriver } from '../../vim/driver.js';
import { installationOf } from '../../vim/host-owner.js';
import { reclaimEarlierDatabases } from '../../vim/host-reclaim.js';
import type { NetnsVimDriver, VimLog } from '../../vim/netns.js';
import { vimDriverFor } from '../../vim/registry.js';
import type { MaintenanceDeps } from './deps.js';

/** Default grace: objects younger than this are never collected. */
export const DEFAULT_GC_GRACE_MS = 120_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the driver may collect of one VIM: instances without a live row. */
export function garbagePolicy(db: Db, vimId: string, graceMs: number): GarbagePolicy {
  const live = { deletedAt: null, vnf: { deletedAt: null, vimId } };
  return {
    graceMs,
    isLive: async (instanceId) =>
      UUID.test(instanceId) && (await db.vduInstance.count({ where: { id: instanceId, ...live } })) > 0,
    liveIds: async () =>
      (await db.vduInstance.findMany({ where: live, select: { id: true } })).map((r) => r.id),
    heldAddresses: async () =>
      (
        await db.ipAllocation.findMany({
          where: { vimId, instanceId: { not: null }, allocatedAt: { lt: new Date(Date.now() - graceMs) } },
          select: { instanceId: true, allocatedAt: true },
        })
      ).map((a) => ({ instanceId: a.instanceId!, since: a.allocatedAt })),
  };
}

export async function collectVimGarbage(
  { db, log }: Pick<MaintenanceDeps, 'db' | 'log'>,
  opts: { graceMs?: number } = {},
): Promise<string[]> {
  const graceMs = opts.graceMs ?? DEFAULT_GC_GRACE_MS;
  const vimLog: VimLog = (level, msg, fields) => log[level](fields ?? {}, msg);
  const driverOf = (vim: { id: string; type: string; config: unknown }): VimDriver =>
    vimDriverFor(vim, { db, log: vimLog });
  const removed: string[] = [];
  const step = async (what: string, fields: Record<string, unknown>, fn: () => Promise<string[]>) => {
    try {
      removed.push(...(await fn()));
    } catch (err) {
      log.warn({ ...fields, err: (err as Error).message }, `VIM garbage collection: ${what} failed`);
    }
  };

  const netnsVims = await db.vim.findMany({ where: { type: 'netns' } });
  if (netnsVims.length) {
    await step('reclaiming what earlier databases left', {}, async () =>
      reclaimEarlierDatabases(await installationOf(db), { log: vimLog }),
    );
  }

  for (const vim of netnsVims.filter((v) => !v.deletedAt)) {
    await step('collecting orphans', { vim: vim.id }, () =>
      driverOf(vim).collectGarbage(garbagePolicy(db, vim.id, graceMs)),
    );
  }

  // Rows left live under a soft-deleted VNF (a force delete raced with a boot, a crash).
  const cutoff = new Date(Date.now() - graceMs);
  const stranded = await db.vduInstance.findMany({
    where: { deletedAt: null, vnf: { deletedAt: { lt: cutoff } } },
    include: { vnf: { include: { vim: true } } },
  });
  for (const row of stranded) {
    await step('removing an instance of a deleted VNF', { instance: row.id, vnf: row.vnfId }, async () => {
      const done = await driverOf(row.vnf.vim).deleteInstance(
        { vimId: row.vnf.vimId, instanceId: row.id },
        { ifIdle: true },
      );
      if (!done) return [];
      await db.vduInstance.updateMany({
        where: { id: row.id, deletedAt: null },
        data: { status: 'DELETED', deletedAt: new Date() },
      });
      return [`row:${row.id}`];
    });
  }

  // Deleted VIMs: nothing may use their bridge and route any more.
  for (const vim of netnsVims.filter((v) => v.deletedAt)) {
    await step('removing a deleted VIM from the host', { vim: vim.id }, async () => {
      const driver = driverOf(vim) as NetnsVimDriver;
      return (await driver.bridgePresent()) ? driver.teardown() : [];
    });
  }

  if (removed.length) log.info({ removed }, 'removed orphaned VIM resources');
  return removed;
}
