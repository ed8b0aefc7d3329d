// VIM garbage: namespaces/veths/responders no VNF owns (a crash between a VIM
// call and its database write).
import { vimDriverFor } from '../../vim/registry.js';
import type { MaintenanceDeps } from './deps.js';

/** Removes VIM resources of netns VIMs that no live instance row owns. */
export async function collectVimGarbage({ db, log }: Pick<MaintenanceDeps, 'db' | 'log'>): Promise<string[]> {
  const vims = await db.vim.findMany({ where: { type: 'netns', deletedAt: null } });
  const removed: string[] = [];
  for (const vim of vims) {
    // Rows still BUILDING/DELETING belong to an operation in flight: keep them.
    const owned = new Set(
      (
        await db.vduInstance.findMany({
          where: { deletedAt: null, vnf: { vimId: vim.id } },
          select: { id: true },
        })
      ).map((r) => r.id),
    );
    try {
      const driver = vimDriverFor(vim, { db });
      await driver.ensureReady();
      removed.push(...(await driver.collectGarbage(owned)));
    } catch (err) {
      log.warn({ vim: vim.id, err: (err as Error).message }, 'VIM garbage collection failed');
    }
  }
  if (removed.length) log.info({ removed }, 'removed orphaned VIM resources');
  return removed;
}
