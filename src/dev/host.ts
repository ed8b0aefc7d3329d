// What `npm run dev` checks on the host before it starts the workers: host
// objects an earlier database of this data directory (or DATABASE_URL) left
// are reclaimed, with a line saying so; a bridge another vnfm installation
// owns stops the start with one line saying how to choose another bridge and
// pool, instead of every VNF ending in ERROR later.
import { createDb } from '../db/client.js';
import { StartupError } from '../fatal.js';
import {
  homeOfDataDir,
  installationOf,
  otherInstallationAdvice,
  parseMark,
  relation,
} from '../vim/host-owner.js';
import { reclaimEarlierDatabases } from '../vim/host-reclaim.js';
import { getLink } from '../vim/ip.js';
import { bridgeMac } from '../vim/netns-names.js';
import { netnsUnavailable } from './bootstrap.js';

/** "3 namespaces, bridge vnfmbr0, route blackhole 10.234.0.0/24" */
export function summarizeRemoved(removed: string[]): string {
  const count = (kind: string) => removed.filter((r) => r.startsWith(`${kind}:`));
  const parts: string[] = [];
  const ns = count('netns').length;
  if (ns) parts.push(`${ns} namespace${ns === 1 ? '' : 's'}`);
  for (const b of count('bridge')) parts.push(`bridge ${b.slice('bridge:'.length)}`);
  for (const r of count('route')) parts.push(`route ${r.slice('route:'.length)}`);
  const veths = count('veth').length;
  if (veths) parts.push(`${veths} veth${veths === 1 ? '' : 's'}`);
  return parts.join(', ') || 'nothing';
}

export async function prepareDevHost(opts: {
  databaseUrl: string;
  /** The embedded database's data directory; its home is that directory. */
  embeddedDataDir?: string;
  /** Bridge and pool of the dev VIM npm run dev registers when there is none. */
  bridge: string;
  log: (line: string) => void;
}): Promise<void> {
  const db = createDb(opts.databaseUrl, { max: 2 });
  try {
    if (opts.embeddedDataDir) {
      // The embedded database lives in the data directory, whatever URL serves it.
      await db.installation.updateMany({
        where: { singleton: true },
        data: { home: homeOfDataDir(opts.embeddedDataDir) },
      });
    }
    if (await netnsUnavailable()) return;
    const me = await installationOf(db);
    const reclaimed = await reclaimEarlierDatabases(me);
    if (reclaimed.length) {
      opts.log(
        `reclaimed what an earlier database of this installation (${me.home.replace(/^dir:/, '')}) left on this host: ${summarizeRemoved(reclaimed)}`,
      );
    }
    const vims = await db.vim.findMany({ where: { type: 'netns', deletedAt: null } });
    const wanted = vims.length
      ? vims.map((v) => ({
          bridge: (v.config as { bridge: string }).bridge,
          vimId: v.id as string | undefined,
        }))
      : [{ bridge: opts.bridge, vimId: undefined }];
    for (const { bridge, vimId } of wanted) {
      const link = await getLink(bridge);
      if (!link) continue;
      const mark = parseMark(link.ifalias);
      const dev = vimId ? 'the netns VIM registered in this database' : 'the dev VIM';
      if (mark && relation(mark, me) === 'other-installation') {
        throw new StartupError(
          `bridge ${bridge} of ${dev} is not this installation's: ${otherInstallationAdvice(mark)}`,
        );
      }
      if (!mark && (!vimId || link.address !== bridgeMac(vimId))) {
        throw new StartupError(
          `interface ${bridge}, the bridge of ${dev}, exists and was not made by this vnfm installation: ` +
            `choose another bridge and pool (set VNFM_NETNS_BRIDGE and VNFM_NETNS_POOL, with --reset if the dev VIM is registered already)`,
        );
      }
    }
  } finally {
    await db.$disconnect();
  }
}
