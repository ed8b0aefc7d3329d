// Builds the VIM driver for a Vim row, and re-exports the config checks the
// API runs when a VIM is registered.
import type { Db } from '../db/client.js';
import type { NetnsVimConfig, StaticVimConfig, VimDriver } from './driver.js';
import { installationOf } from './host-owner.js';
import { instanceLocksFor } from './instance-locks.js';
import { PrismaIpAllocator } from './ip-allocator.js';
import { NetnsVimDriver, type VimLog } from './netns.js';
import { StaticVimDriver } from './static.js';
import { parseStoredVimConfig } from './vim-config.js';

export {
  parseStoredVimConfig,
  validateVimConfig,
  vimConflicts,
  type ConfigError,
  type VimConfigResult,
  type VimRowLike,
} from './vim-config.js';

export interface VimDriverDeps {
  db: Db;
  log?: VimLog;
  /** netns instance records (default /run/vnfm/netns). */
  stateDir?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The driver for a Vim row. Cheap to build: drivers keep no state that
 * matters between calls; per-instance locks are the database's (every
 * replica sees them), and host objects carry the database's installation as
 * their owner mark. Throws when the stored config is invalid.
 */
export function vimDriverFor(
  vim: { id: string; type: string; config: unknown },
  deps: VimDriverDeps,
): VimDriver {
  const parsed = parseStoredVimConfig(vim.type, vim.config);
  if (!parsed.ok) {
    throw new Error(
      `VIM ${vim.id} (${vim.type}) has an invalid config: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    );
  }
  if (vim.type === 'netns') {
    const db = deps.db;
    return new NetnsVimDriver(vim.id, parsed.config as NetnsVimConfig, new PrismaIpAllocator(db), {
      log: deps.log,
      stateDir: deps.stateDir,
      locks: instanceLocksFor(db),
      owner: () => installationOf(db),
      vimLive: async (vimId) =>
        UUID.test(vimId) && (await db.vim.count({ where: { id: vimId, deletedAt: null } })) > 0,
    });
  }
  return new StaticVimDriver(vim.id, parsed.config as StaticVimConfig, {
    // The conductor names instances by their vdu_instances id.
    known: async (vimId) =>
      (
        await deps.db.vduInstance.findMany({
          where: { deletedAt: null, mgmtIp: { not: null }, vnf: { vimId } },
          select: { id: true, mgmtIp: true },
        })
      ).map((r) => ({ instanceId: r.id, mgmtIp: r.mgmtIp! })),
  });
}
