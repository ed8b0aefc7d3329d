// Owner marks: which vnfm installation made a host object. An installation is
// one database (its `installation` row, made by a migration) at one home: the
// data directory of `npm run dev`, or the host:port/name of DATABASE_URL. The
// netns VIM marks its bridge and veths (interface alias) and its namespaces
// (their records, see netns-records.ts) with it, so a later start can tell
//   - its own objects,
//   - objects of an earlier database at the same home (`rm -rf .vnfm`, a
//     dropped and recreated database): that database is gone, nothing can
//     ever claim them again, so they are provably orphaned and reclaimed;
//   - another installation's objects (another data directory or database,
//     maybe still in use): never touched, the VIM refuses with what to do.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { connectionStringOf, type Db } from '../db/client.js';

export interface HostOwner {
  /** The installation row's id. */
  installationId: string;
  /** Where its database lives (see homeOfUrl, homeOfDataDir). */
  home: string;
}

export interface OwnerMark {
  installationId: string;
  homeHash: string;
  /** The home as far as it fits in an interface alias (for messages only). */
  home: string;
  vimId?: string;
  pool?: string;
}

/** Interface aliases hold at most 255 bytes. */
const ALIAS_MAX = 255;

export function homeHash(home: string): string {
  return createHash('sha256').update(home).digest('hex').slice(0, 16);
}

/** `postgresql://host:port/name`: where a DATABASE_URL's database lives, without credentials. */
export function homeOfUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgresql://${u.hostname.toLowerCase()}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return 'postgresql://unknown';
  }
}

/** The home of `npm run dev`'s embedded database: its data directory. */
export function homeOfDataDir(dir: string): string {
  return `dir:${resolve(dir)}`;
}

/** `vnfm inst=<id> vim=<id> pool=<cidr> homeh=<16 hex> home=<home, cut to fit>` */
export function formatMark(owner: HostOwner, extra: { vimId?: string; pool?: string } = {}): string {
  const head = [
    'vnfm',
    `inst=${owner.installationId}`,
    ...(extra.vimId ? [`vim=${extra.vimId}`] : []),
    ...(extra.pool ? [`pool=${extra.pool}`] : []),
    `homeh=${homeHash(owner.home)}`,
    'home=',
  ].join(' ');
  const room = ALIAS_MAX - Buffer.byteLength(head);
  const home = Buffer.byteLength(owner.home) <= room ? owner.home : `…${owner.home.slice(-(room - 4))}`;
  return head + home;
}

export function parseMark(alias: string | undefined): OwnerMark | undefined {
  if (!alias?.startsWith('vnfm ')) return undefined;
  const at = alias.indexOf(' home=');
  const fields = new Map(
    (at >= 0 ? alias.slice(0, at) : alias)
      .split(' ')
      .slice(1)
      .map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const),
  );
  const installationId = fields.get('inst');
  const hh = fields.get('homeh');
  if (!installationId || !hh) return undefined;
  return {
    installationId,
    homeHash: hh,
    home: at >= 0 ? alias.slice(at + ' home='.length) : '',
    vimId: fields.get('vim'),
    pool: fields.get('pool'),
  };
}

/** How an object marked `mark` (or a record's owner) relates to `me`. */
export function relation(
  mark: { installationId: string; homeHash: string },
  me: HostOwner,
): 'mine' | 'earlier-database' | 'other-installation' {
  if (mark.installationId === me.installationId) return 'mine';
  return mark.homeHash === homeHash(me.home) ? 'earlier-database' : 'other-installation';
}

/** What a person can do about objects of another installation that stand in the way. */
export function otherInstallationAdvice(mark: { home: string; installationId: string }): string {
  const where = mark.home.startsWith('dir:')
    ? `the npm run dev data directory ${mark.home.slice(4)}`
    : `the database ${mark.home || '(unknown)'}`;
  const reset = mark.home.startsWith('dir:')
    ? `VNFM_DATA_DIR=${mark.home.slice(4)} npm run dev -- --reset`
    : `npm run dev -- --reset with DATABASE_URL naming that database`;
  return (
    `it belongs to another vnfm installation (${where}, installation ${mark.installationId}), which may still use it: ` +
    `choose another bridge and pool for this VIM (npm run dev: set VNFM_NETNS_BRIDGE and VNFM_NETNS_POOL, e.g. ` +
    `VNFM_NETNS_BRIDGE=vnfmbr1 VNFM_NETNS_POOL=10.234.1.0/24, with --reset if the dev VIM is registered already; ` +
    `otherwise register a VIM with another bridge and pool), or remove the other installation's objects (${reset})`
  );
}

const cache = new WeakMap<Db, Promise<HostOwner>>();

/**
 * The installation a database belongs to. Its home is set once: by npm run
 * dev for the embedded database, else here from the client's URL.
 */
export function installationOf(db: Db): Promise<HostOwner> {
  let p = cache.get(db);
  if (!p) {
    p = readInstallation(db);
    p.catch(() => cache.delete(db));
    cache.set(db, p);
  }
  return p;
}

async function readInstallation(db: Db): Promise<HostOwner> {
  let row = await db.installation.findUnique({ where: { singleton: true } });
  if (!row) {
    throw new Error('the database has no installation row: apply the migrations (npm run db:migrate)');
  }
  if (!row.home) {
    const url = connectionStringOf(db);
    await db.installation.updateMany({
      where: { singleton: true, home: null },
      data: { home: url ? homeOfUrl(url) : 'unknown' },
    });
    row = await db.installation.findUniqueOrThrow({ where: { singleton: true } });
  }
  return { installationId: row.id, home: row.home! };
}
