// Host-level pieces of the netns VIM that do not depend on one VIM: finding
// and destroying namespaces, the pool's blackhole route, the owner marks
// (interface aliases) on links.
import { readdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { cidrContains } from '../net/cidr.js';
import { ip, ipIgnoringMissing, ipJson, type AddrJson } from './ip.js';
import { INSTANCE_IFNAME } from './netns-names.js';
import { killPids, namespacePids } from './responder.js';

/** Where `ip netns` keeps its namespace mounts. */
export const NETNS_DIR = '/run/netns';
/** Metric of the pool's blackhole route: the worst possible, so any real route wins. */
export const BLACKHOLE_METRIC = 4294967295;
/** statfs type of a mounted namespace file (nsfs); a plain file means a crashed `ip netns add`. */
const NSFS_MAGIC = 0x6e736673;

export async function namespaceMounted(ns: string): Promise<boolean> {
  try {
    return (await statfs(join(NETNS_DIR, ns))).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

export async function namespaceFileExists(ns: string): Promise<boolean> {
  try {
    await statfs(join(NETNS_DIR, ns));
    return true;
  } catch {
    return false;
  }
}

/** How long ago the namespace was added (its mount point's mtime); Infinity when unknown. */
export async function namespaceAgeMs(ns: string): Promise<number> {
  try {
    return Date.now() - (await stat(join(NETNS_DIR, ns))).mtimeMs;
  } catch {
    return Infinity;
  }
}

export async function listNamespaces(prefix: string): Promise<string[]> {
  try {
    return (await readdir(NETNS_DIR)).filter((n) => n.startsWith(prefix));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Kills everything inside (responders), removes the veth pair and the
 * namespace. Returns whether anything was there.
 */
export async function destroyNamespace(ns: string): Promise<boolean> {
  const pids = await namespacePids(ns);
  await killPids(pids);
  if (await namespaceMounted(ns)) {
    // Delete the veth from inside: synchronous, whereas the kernel tears a
    // deleted namespace's devices down asynchronously, and a rebuild under
    // the same names must not meet the old ones.
    await ipIgnoringMissing('-n', ns, 'link', 'del', 'dev', INSTANCE_IFNAME);
    await ipIgnoringMissing('netns', 'del', ns);
    return true;
  }
  if (await namespaceFileExists(ns)) {
    await rm(join(NETNS_DIR, ns), { force: true });
    return true;
  }
  return pids.length > 0;
}

/** Whether an interface of this host has an address inside `pool` (a bridge of someone's still uses it). */
export async function poolInUse(pool: string): Promise<boolean> {
  const addrs = await ipJson<AddrJson>('-4', 'addr', 'show');
  return addrs.some((a) => a.addr_info.some((i) => cidrContains(pool, i.local)));
}

/** Sets the blackhole route that keeps pool addresses on this machine. */
export async function ensureBlackhole(pool: string): Promise<void> {
  await ip('route', 'replace', 'blackhole', pool, 'metric', String(BLACKHOLE_METRIC));
}

/** Removes the pool's blackhole route unless an interface still has an address in the pool. */
export async function removeBlackholeIfUnused(pool: string): Promise<boolean> {
  if (await poolInUse(pool)) return false;
  return ipIgnoringMissing('route', 'del', 'blackhole', pool, 'metric', String(BLACKHOLE_METRIC));
}
