// Removing host objects by their owner mark, whatever VIM made them: what an
// earlier database at this installation's home left (nothing can ever claim
// it again: reclaimed with a log line), or everything of one installation
// (`npm run dev -- --reset`).
import { homeHash, parseMark, relation, type HostOwner } from './host-owner.js';
import { ipIgnoringMissing, ipJson, type LinkJson } from './ip.js';
import { destroyNamespace, removeBlackholeIfUnused } from './netns-host.js';
import { NetnsRecords } from './netns-records.js';
import type { VimLog } from './netns.js';

type MarkMatch = (mark: { installationId: string; homeHash: string }) => boolean;

export interface ReclaimOptions {
  /** Where the netns records live (default /run/vnfm/netns). */
  stateDir?: string;
}

/**
 * Removes every namespace (with its veth, responders and record) and bridge
 * (with its blackhole route, unless the pool is still in use) whose owner mark
 * matches. Objects without a mark are never touched here. Returns what it removed.
 */
export async function removeMarkedObjects(match: MarkMatch, opts: ReclaimOptions = {}): Promise<string[]> {
  const records = new NetnsRecords(opts.stateDir);
  const removed: string[] = [];
  for (const ns of await records.list('')) {
    const rec = await records.read(ns);
    if (
      !rec?.owner ||
      !match({ installationId: rec.owner.installationId, homeHash: homeHash(rec.owner.home) })
    )
      continue;
    if (await destroyNamespace(ns)) removed.push(`netns:${ns}`);
    if (await ipIgnoringMissing('link', 'del', 'dev', rec.veth)) removed.push(`veth:${rec.veth}`);
    await records.remove(ns);
  }
  const bridges = await ipJson<LinkJson>('-d', 'link', 'show', 'type', 'bridge');
  for (const link of bridges) {
    const mark = parseMark(link.ifalias);
    if (!mark || !match(mark)) continue;
    if (await ipIgnoringMissing('link', 'del', 'dev', link.ifname)) removed.push(`bridge:${link.ifname}`);
    if (mark.pool && (await removeBlackholeIfUnused(mark.pool))) removed.push(`route:blackhole ${mark.pool}`);
  }
  return removed;
}

/** Reclaims what earlier databases at `me`'s home left on this host, saying so. */
export async function reclaimEarlierDatabases(
  me: HostOwner,
  opts: ReclaimOptions & { log?: VimLog } = {},
): Promise<string[]> {
  const removed = await removeMarkedObjects((m) => relation(m, me) === 'earlier-database', opts);
  if (removed.length) {
    opts.log?.('info', 'reclaimed host objects left by an earlier database of this installation', {
      home: me.home,
      removed,
    });
  }
  return removed;
}
