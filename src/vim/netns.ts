// The netns VIM: each VDU instance is a Linux network namespace on this host,
// joined to a host bridge by a veth pair, with one management IP from the
// VIM's pool and, for http_ping VDUs, an HTTP responder inside.
//
// Layout (all names derived from ids, see netns-names.ts):
//   host:      bridge <config.bridge>, MAC from the vimId, pool's first host address
//              blackhole route for the whole pool, metric 4294967295
//              veth vh<12 hex>  (master = bridge)
//   namespace: vnfm-<8 hex vimId>-<12 hex instanceId>
//              lo up; eth0 = the veth peer, MAC from the ids, <mgmtIp>/<pool prefix>,
//              default route via the bridge address; responder (node) if httpPort
//
// Every operation converges the kernel state towards what the ids say it
// should be, so repeating one, or completing one a crash interrupted, is safe.
// Work on one instance holds its lock (instance-locks.ts), which every
// conductor replica sees. The bridge, the veths and the namespace records carry
// the owner mark of the installation that made them (host-owner.ts).
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cidrContains, cidrsOverlap, intToIp, parseCidr } from '../net/cidr.js';
import type {
  Fault,
  GarbagePolicy,
  InstanceInfo,
  InstanceSpec,
  IpAllocator,
  NetnsVimConfig,
  VimDriver,
} from './driver.js';
import { VimRejectedError } from './driver.js';
import {
  getLink,
  ip,
  ipIgnoringMissing,
  ipJson,
  IpCommandError,
  type AddrJson,
  type LinkJson,
} from './ip.js';
import {
  formatMark,
  otherInstallationAdvice,
  parseMark,
  relation,
  type HostOwner,
  type OwnerMark,
} from './host-owner.js';
import { reclaimEarlierDatabases } from './host-reclaim.js';
import { processLocks, type InstanceLocks } from './instance-locks.js';
import {
  BLACKHOLE_METRIC,
  destroyNamespace,
  ensureBlackhole,
  listNamespaces,
  namespaceAgeMs,
  namespaceFileExists,
  namespaceMounted,
  NETNS_DIR,
  removeBlackholeIfUnused,
} from './netns-host.js';
import {
  bridgeMac,
  INSTANCE_IFNAME,
  instanceMac,
  namespaceName,
  namespacePrefix,
  vethHostName,
} from './netns-names.js';
import { NetnsRecords, type NetnsRecord } from './netns-records.js';
import { findResponders, killPids, responderPids, startResponder } from './responder.js';
import { parseStoredVimConfig } from './vim-config.js';

export { BLACKHOLE_METRIC, NETNS_DIR } from './netns-host.js';

export type VimLog = (
  level: 'debug' | 'info' | 'warn',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface NetnsVimDriverOptions {
  log?: VimLog;
  /** Where instance records live (default /run/vnfm/netns). */
  stateDir?: string;
  /** Per-instance locks (default: within this process only; the conductor passes database-wide ones). */
  locks?: InstanceLocks;
  /** The installation this driver works for; without it, objects carry no owner mark. */
  owner?: () => Promise<HostOwner>;
  /** Whether a VIM of this installation is registered and not deleted (default: yes). */
  vimLive?: (vimId: string) => Promise<boolean>;
}

/** Images whose name starts with this boot but never answer: eth0 stays down, no responder. */
export const BROKEN_IMAGE_PREFIX = 'broken';

const readyInFlight = new Map<string, Promise<void>>();

export class NetnsVimDriver implements VimDriver {
  readonly type = 'netns' as const;
  readonly canRecreate = true;
  readonly config: NetnsVimConfig;
  /** The bridge's address, and every instance's default gateway. */
  readonly gateway: string;
  private readonly prefixLen: number;
  private readonly nsPrefix: string;
  private readonly records: NetnsRecords;
  private readonly log: VimLog;
  private readonly locks: InstanceLocks;
  private readonly ownerOf?: () => Promise<HostOwner>;
  private readonly vimLive: (vimId: string) => Promise<boolean>;

  constructor(
    readonly vimId: string,
    config: NetnsVimConfig,
    private readonly ips: IpAllocator,
    opts: NetnsVimDriverOptions | VimLog = {},
  ) {
    const parsed = parseStoredVimConfig('netns', config);
    if (!parsed.ok) {
      throw new Error(
        `invalid netns VIM config for ${vimId}: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      );
    }
    this.config = parsed.config as NetnsVimConfig;
    const pool = parseCidr(this.config.pool)!;
    this.gateway = intToIp(pool.network + 1);
    this.prefixLen = pool.prefix;
    this.nsPrefix = namespacePrefix(vimId);
    const o = typeof opts === 'function' ? { log: opts } : opts;
    this.records = new NetnsRecords(o.stateDir);
    this.log = o.log ?? (() => undefined);
    this.locks = o.locks ?? processLocks;
    this.ownerOf = o.owner;
    this.vimLive = o.vimLive ?? (async () => true);
  }

  private async owner(): Promise<HostOwner | undefined> {
    return this.ownerOf?.();
  }

  // ---- shared resources -------------------------------------------------

  ensureReady(): Promise<void> {
    let p = readyInFlight.get(this.vimId);
    if (!p) {
      p = this.prepareShared().finally(() => readyInFlight.delete(this.vimId));
      readyInFlight.set(this.vimId, p);
    }
    return p;
  }

  /** Cheap check used before every create: bridge ours, up, addressed, and the blackhole present. */
  private async sharedReady(): Promise<boolean> {
    const [addr] = await ipJson<AddrJson & LinkJson>('addr', 'show', 'dev', this.config.bridge).catch(
      () => [],
    );
    if (!addr || addr.address !== bridgeMac(this.vimId) || !addr.flags.includes('UP')) return false;
    if (!addr.addr_info.some((a) => a.local === this.gateway && a.prefixlen === this.prefixLen)) return false;
    return this.blackholePresent();
  }

  private async blackholePresent(): Promise<boolean> {
    const routes = await ipJson<{ type?: string; dst: string; metric?: number }>(
      'route',
      'show',
      'table',
      'main',
      'exact',
      this.config.pool,
    );
    return routes.some((r) => r.type === 'blackhole' && r.metric === BLACKHOLE_METRIC);
  }

  private async prepareShared(): Promise<void> {
    const { bridge, pool } = this.config;
    const owner = await this.owner();
    // What an earlier database at this home left can never be claimed again,
    // and its namespaces may hold addresses of our pool: reclaim it first.
    if (owner) await reclaimEarlierDatabases(owner, { stateDir: this.records.dir, log: this.log });
    let link = await getLink(bridge);
    if (link && (await this.claimBridge(link, owner)) === 'reclaim') {
      await this.reclaimBridge(link);
      link = undefined;
    }
    if (!link) await this.checkHostConflicts();
    // Before the bridge: from now on pool addresses can never follow the
    // default route out of this machine, whatever happens to the bridge.
    await ensureBlackhole(pool);
    if (!link) {
      try {
        // The MAC is set at birth: it marks the bridge as this VIM's (see bridgeMac).
        await ip('link', 'add', 'name', bridge, 'address', bridgeMac(this.vimId), 'type', 'bridge');
        this.log('info', 'created bridge', { vimId: this.vimId, bridge });
      } catch (err) {
        if (!(err instanceof IpCommandError && err.isExisting)) throw err;
      }
      link = await getLink(bridge);
      if (!link || (await this.claimBridge(link, owner)) !== 'ours') {
        throw new Error(`interface ${bridge} was taken by someone else while VIM ${this.vimId} created it`);
      }
    }
    if (owner)
      await ip('link', 'set', 'dev', bridge, 'alias', formatMark(owner, { vimId: this.vimId, pool }));
    // Nothing that arrives from the instances is ever routed on, even where
    // the host forwards for others (docker and friends set ip_forward=1).
    await writeFile(`/proc/sys/net/ipv4/conf/${bridge}/forwarding`, '0').catch((err: Error) =>
      this.log('warn', 'cannot disable forwarding on the bridge', { bridge, error: err.message }),
    );
    await ip('addr', 'replace', `${this.gateway}/${this.prefixLen}`, 'dev', bridge);
    await ip('link', 'set', 'dev', bridge, 'up');
    await this.reattachPorts();
    await this.warnOnSmallNeighbourTable();
  }

  /** After the bridge was gone and is back: put this VIM's surviving veths on it again. */
  private async reattachPorts(): Promise<void> {
    for (const ns of await this.records.list(this.nsPrefix)) {
      const rec = await this.records.read(ns);
      const link = rec && (await getLink(rec.veth));
      if (rec && link && link.master !== this.config.bridge) {
        await ipIgnoringMissing('link', 'set', 'dev', rec.veth, 'master', this.config.bridge, 'up');
        this.log('info', 'reattached veth to the bridge', { namespace: ns, veth: rec.veth });
      }
    }
  }

  /**
   * Whether an existing interface of the bridge's name is this VIM's bridge,
   * provably orphaned (reclaim it), or someone else's (refuse, saying what to do).
   */
  private async claimBridge(link: LinkJson, owner: HostOwner | undefined): Promise<'ours' | 'reclaim'> {
    const { bridge } = this.config;
    const kind = link.linkinfo?.info_kind ?? 'none';
    const mark = parseMark(link.ifalias);
    const refuse = (why: string): never => {
      throw new VimRejectedError(
        `interface ${bridge} exists but is not the bridge of VIM ${this.vimId}: ${why}; refusing to touch it`,
      );
    };
    if (kind === 'bridge' && mark && owner) {
      const rel = relation(mark, owner);
      if (rel === 'mine') {
        if (mark.vimId === this.vimId) return 'ours';
        // A VIM of this installation that was deleted leaves nothing anyone can claim.
        if (mark.vimId && !(await this.vimLive(mark.vimId))) return 'reclaim';
        refuse(`it is the bridge of VIM ${mark.vimId ?? '?'} of this installation`);
      }
      if (rel === 'earlier-database') return 'reclaim';
      refuse(otherInstallationAdvice(mark));
    }
    // Made before owner marks existed, or by a driver without an owner: the MAC says whose it is.
    if (kind === 'bridge' && link.address === bridgeMac(this.vimId)) return 'ours';
    if (kind === 'bridge' && mark && !owner && mark.vimId === this.vimId) return 'ours';
    return refuse(
      mark
        ? otherInstallationAdvice(mark)
        : `it was not made by vnfm (kind ${kind}, MAC ${link.address ?? '?'}, no owner mark): ` +
            `choose another bridge and pool for this VIM (npm run dev: VNFM_NETNS_BRIDGE and VNFM_NETNS_POOL)`,
    );
  }

  /** Removes a provably orphaned bridge of this name, with the namespaces and route of the VIM it served. */
  private async reclaimBridge(link: LinkJson): Promise<void> {
    const mark = parseMark(link.ifalias) as OwnerMark;
    const removed: string[] = [];
    if (mark.vimId) {
      const prefix = namespacePrefix(mark.vimId);
      for (const ns of new Set([...(await listNamespaces(prefix)), ...(await this.records.list(prefix))])) {
        const rec = await this.records.read(ns);
        if (await destroyNamespace(ns)) removed.push(`netns:${ns}`);
        if (rec && (await ipIgnoringMissing('link', 'del', 'dev', rec.veth)))
          removed.push(`veth:${rec.veth}`);
        await this.records.remove(ns);
      }
    }
    if (await ipIgnoringMissing('link', 'del', 'dev', link.ifname)) removed.push(`bridge:${link.ifname}`);
    if (mark.pool && mark.pool !== this.config.pool && (await removeBlackholeIfUnused(mark.pool)))
      removed.push(`route:blackhole ${mark.pool}`);
    this.log('info', 'reclaimed a bridge nothing can claim any more (its VIM or its database is gone)', {
      vimId: this.vimId,
      bridge: link.ifname,
      madeFor: { installation: mark.installationId, vim: mark.vimId, home: mark.home },
      removed,
    });
  }

  /** Refuses a pool that addresses or routes of this host (not ours) already use. */
  private async checkHostConflicts(): Promise<void> {
    const { bridge, pool } = this.config;
    const routes = await ipJson<{ type?: string; dst: string; dev?: string }>(
      '-4',
      'route',
      'show',
      'table',
      'main',
    );
    for (const r of routes) {
      if (r.dst === 'default' || r.dev === bridge || (r.type === 'blackhole' && r.dst === pool)) continue;
      const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
      const c = parseCidr(dst);
      // A route inside (or equal to) the pool would compete with ours.
      if (c && cidrsOverlap(dst, pool) && c.prefix >= this.prefixLen) {
        throw new Error(
          `pool ${pool} of VIM ${this.vimId} collides with route '${r.dst} dev ${r.dev ?? r.type}' on this host`,
        );
      }
    }
    const addrs = await ipJson<AddrJson>('-4', 'addr', 'show');
    for (const a of addrs) {
      if (a.ifname === bridge) continue;
      for (const i of a.addr_info) {
        if (cidrContains(pool, i.local)) {
          throw new Error(`pool ${pool} of VIM ${this.vimId} contains ${i.local}, an address of ${a.ifname}`);
        }
      }
    }
  }

  private async warnOnSmallNeighbourTable(): Promise<void> {
    const size = parseCidr(this.config.pool)!.size;
    const text = await readFile('/proc/sys/net/ipv4/neigh/default/gc_thresh3', 'utf8').catch(() => '');
    const limit = Number(text.trim());
    if (limit && size > limit / 2) {
      this.log(
        'warn',
        'the neighbour table may be too small for this pool; raise net.ipv4.neigh.default.gc_thresh*',
        {
          pool: this.config.pool,
          gc_thresh3: limit,
        },
      );
    }
  }

  /**
   * Removes everything this VIM made on the host: its namespaces (with their
   * records and addresses), the bridge and, unless another interface still
   * has an address in the pool, the blackhole route. Not part of VimDriver:
   * for deleted VIMs, resets and tests.
   */
  async teardown(): Promise<string[]> {
    const removed = await this.collectGarbage({
      isLive: async () => false,
      liveIds: async () => [],
      graceMs: 0,
    });
    const link = await getLink(this.config.bridge);
    const mark = parseMark(link?.ifalias);
    if (link && (link.address === bridgeMac(this.vimId) || mark?.vimId === this.vimId)) {
      await ipIgnoringMissing('link', 'del', 'dev', this.config.bridge);
      removed.push(`bridge:${this.config.bridge}`);
    }
    if (await removeBlackholeIfUnused(this.config.pool)) removed.push(`route:blackhole ${this.config.pool}`);
    return removed;
  }

  /** Whether this VIM's bridge is on the host. */
  async bridgePresent(): Promise<boolean> {
    const link = await getLink(this.config.bridge);
    return (
      !!link && (link.address === bridgeMac(this.vimId) || parseMark(link.ifalias)?.vimId === this.vimId)
    );
  }

  // ---- instances ----------------------------------------------------------

  private checkSpec(spec: Pick<InstanceSpec, 'vimId' | 'instanceId'>): void {
    if (spec.vimId !== this.vimId) {
      throw new VimRejectedError(
        `instance ${spec.instanceId} belongs to VIM ${spec.vimId}, not ${this.vimId}`,
      );
    }
    if (!spec.instanceId) throw new VimRejectedError('instanceId is required');
  }

  /** Locks are per namespace name, so garbage collection can lock a namespace whose record is lost. */
  private lock<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(namespaceName(this.vimId, instanceId), fn);
  }

  async createInstance(spec: InstanceSpec): Promise<InstanceInfo> {
    this.checkSpec(spec);
    return this.lock(spec.instanceId, async () => {
      await this.build(spec);
      return this.describe(spec.instanceId);
    });
  }

  async deleteInstance(
    spec: Pick<InstanceSpec, 'vimId' | 'instanceId'>,
    opts: { ifIdle?: boolean } = {},
  ): Promise<boolean> {
    this.checkSpec(spec);
    const remove = () => this.removeInstance(spec.instanceId, namespaceName(this.vimId, spec.instanceId));
    if (!opts.ifIdle) {
      await this.lock(spec.instanceId, remove);
      return true;
    }
    return !(await this.locks.tryRun(namespaceName(this.vimId, spec.instanceId), remove)).busy;
  }

  /**
   * Namespace, veth, neighbour entry, record, then the address: the address is
   * free again only once nothing on the host can answer on it. Returns what it removed.
   */
  private async removeInstance(instanceId: string | undefined, ns: string): Promise<string[]> {
    const removed: string[] = [];
    const rec = await this.records.read(ns);
    for (const pid of await responderPids(ns)) removed.push(`responder:${pid}`);
    if (await destroyNamespace(ns)) removed.push(`netns:${ns}`);
    const veth = rec?.veth ?? (instanceId ? vethHostName(this.vimId, instanceId) : undefined);
    if (veth && (await ipIgnoringMissing('link', 'del', 'dev', veth))) removed.push(`veth:${veth}`);
    if (rec) await this.forgetNeighbour(rec.mgmtIp);
    await this.records.remove(ns);
    const id = instanceId ?? rec?.instanceId;
    if (id) {
      await this.ips.release(this.vimId, id);
      if (rec) removed.push(`ip:${rec.mgmtIp}`);
    }
    return removed;
  }

  /** Brings the instance's namespace to the state its spec describes, from whatever is there. */
  private async build(spec: InstanceSpec): Promise<void> {
    if (!(await this.sharedReady())) await this.ensureReady();
    const mgmtIp = await this.ips.allocate(this.vimId, spec.instanceId, spec.vnfId, this.config.pool, [
      this.gateway,
    ]);
    const ns = namespaceName(this.vimId, spec.instanceId);
    const veth = vethHostName(this.vimId, spec.instanceId);
    const broken = spec.image.startsWith(BROKEN_IMAGE_PREFIX);
    const owner = await this.owner();
    const rec: NetnsRecord = {
      vimId: this.vimId,
      instanceId: spec.instanceId,
      vnfId: spec.vnfId,
      vduName: spec.vduName,
      index: spec.index,
      image: spec.image,
      ...(spec.httpPort ? { httpPort: spec.httpPort } : {}),
      mgmtIp,
      namespace: ns,
      veth,
      createdAt: new Date().toISOString(),
      ...(owner ? { owner } : {}),
    };
    // Record first: a namespace of ours never exists without one.
    await this.records.write(rec);
    await this.ensureNamespace(ns);
    await this.ensureVethPair(ns, veth, instanceMac(this.vimId, spec.instanceId));
    if (owner) await ip('link', 'set', 'dev', veth, 'alias', formatMark(owner, { vimId: this.vimId }));
    await ip('link', 'set', 'dev', veth, 'master', this.config.bridge, 'up');
    await ip('-n', ns, 'link', 'set', 'dev', 'lo', 'up');
    await this.ensureAddress(ns, mgmtIp);
    if (broken) {
      await ip('-n', ns, 'link', 'set', 'dev', INSTANCE_IFNAME, 'down');
      await killPids(await responderPids(ns));
    } else {
      await this.linkUp(ns);
      await this.ensureResponder(ns, spec.httpPort, spec.instanceId, owner?.installationId);
    }
    await this.forgetNeighbour(mgmtIp);
    this.log('debug', 'instance ready', {
      vimId: this.vimId,
      instanceId: spec.instanceId,
      namespace: ns,
      mgmtIp,
    });
  }

  private async ensureNamespace(ns: string): Promise<void> {
    if (await namespaceMounted(ns)) return;
    // A plain file left by an `ip netns add` that died before mounting.
    if (await namespaceFileExists(ns)) await rm(join(NETNS_DIR, ns), { force: true });
    try {
      await ip('netns', 'add', ns);
    } catch (err) {
      if (!(await namespaceMounted(ns))) throw err;
    }
  }

  private async ensureVethPair(ns: string, veth: string, mac: string): Promise<void> {
    const host = await getLink(veth);
    const inner = await getLink(INSTANCE_IFNAME, ns);
    if (host && inner && host.linkinfo?.info_kind === 'veth' && inner.link_index === host.ifindex) {
      if (inner.address !== mac) await ip('-n', ns, 'link', 'set', 'dev', INSTANCE_IFNAME, 'address', mac);
      return;
    }
    // Half a pair, or a pair that is not ours: start over. Deleting either end
    // of a veth removes both at once.
    if (host) await ipIgnoringMissing('link', 'del', 'dev', veth);
    if (inner) await ipIgnoringMissing('-n', ns, 'link', 'del', 'dev', INSTANCE_IFNAME);
    // Created with the peer already inside the namespace: there is never a
    // moment where eth0 sits in the host namespace.
    await ip(
      'link',
      'add',
      'name',
      veth,
      'type',
      'veth',
      'peer',
      'name',
      INSTANCE_IFNAME,
      'address',
      mac,
      'netns',
      ns,
    );
  }

  private async ensureAddress(ns: string, mgmtIp: string): Promise<void> {
    const [eth0] = await ipJson<AddrJson>('-n', ns, '-4', 'addr', 'show', 'dev', INSTANCE_IFNAME);
    const v4 = eth0?.addr_info ?? [];
    if (v4.length === 1 && v4[0]!.local === mgmtIp && v4[0]!.prefixlen === this.prefixLen) return;
    if (v4.length) await ip('-n', ns, '-4', 'addr', 'flush', 'dev', INSTANCE_IFNAME);
    await ip('-n', ns, 'addr', 'add', `${mgmtIp}/${this.prefixLen}`, 'dev', INSTANCE_IFNAME);
  }

  /** eth0 up with its default route (the kernel drops the route whenever the link goes down). */
  private async linkUp(ns: string): Promise<void> {
    await ip('-n', ns, 'link', 'set', 'dev', INSTANCE_IFNAME, 'up');
    await ip('-n', ns, 'route', 'replace', 'default', 'via', this.gateway, 'dev', INSTANCE_IFNAME);
  }

  /**
   * Drops the host's neighbour entry for an address. A reused or rebuilt
   * address may have had another MAC, and a stale entry would blackhole probes
   * for seconds until the kernel revalidates it.
   */
  private async forgetNeighbour(addr: string): Promise<void> {
    await ipIgnoringMissing('neigh', 'flush', 'to', addr, 'dev', this.config.bridge);
  }

  private async ensureResponder(
    ns: string,
    port: number | undefined,
    instanceId: string,
    ownerMark?: string,
  ): Promise<void> {
    const running = await findResponders(ns);
    const keep = running.find((r) => port !== undefined && r.port === port);
    // One responder, on the spec's port; anything else goes.
    await killPids(running.filter((r) => r !== keep).map((r) => r.pid));
    if (port && !keep) {
      await startResponder(ns, port, instanceId, ownerMark);
      this.log('debug', 'started responder', { namespace: ns, port });
    }
  }

  // ---- observation ------------------------------------------------------

  async describeInstance(instanceId: string): Promise<InstanceInfo> {
    return this.describe(instanceId);
  }

  private async describe(instanceId: string): Promise<InstanceInfo> {
    const ns = namespaceName(this.vimId, instanceId);
    return this.describeNamespace(ns, await this.records.read(ns), instanceId);
  }

  private async describeNamespace(
    ns: string,
    rec: NetnsRecord | undefined,
    instanceId: string,
  ): Promise<InstanceInfo> {
    const base = { instanceId, resourceId: ns };
    if (!(await namespaceMounted(ns))) {
      return { ...base, mgmtIp: rec?.mgmtIp ?? '', state: 'missing', responderRunning: false };
    }
    const [eth0] = await ipJson<AddrJson>('-n', ns, 'addr', 'show', 'dev', INSTANCE_IFNAME).catch(() => []);
    const addrs = (eth0?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => a.local);
    const mgmtIp = rec?.mgmtIp ?? addrs[0] ?? '';
    const host = rec ? await getLink(rec.veth) : undefined;
    const up =
      !!eth0 &&
      eth0.flags.includes('UP') &&
      eth0.flags.includes('LOWER_UP') &&
      addrs.includes(mgmtIp) &&
      (!rec || (host?.master === this.config.bridge && host.flags.includes('UP')));
    const responderRunning = (await responderPids(ns)).length > 0;
    return { ...base, mgmtIp, state: up ? 'up' : 'down', responderRunning };
  }

  /**
   * Every instance this VIM has on the host: namespaces with our prefix and
   * records without a namespace (deleted behind our back). A namespace whose
   * record is lost is listed with instanceId ''.
   */
  async listInstances(): Promise<InstanceInfo[]> {
    const names = new Set([
      ...(await listNamespaces(this.nsPrefix)),
      ...(await this.records.list(this.nsPrefix)),
    ]);
    const out: InstanceInfo[] = [];
    for (const ns of [...names].sort()) {
      const rec = await this.records.read(ns);
      out.push(await this.describeNamespace(ns, rec, rec?.instanceId ?? ''));
    }
    return out;
  }

  // ---- faults -----------------------------------------------------------

  async injectFault(instanceId: string, fault: Fault): Promise<void> {
    await this.lock(instanceId, async () => {
      const ns = namespaceName(this.vimId, instanceId);
      if (fault === 'delete') {
        // Behind vnfm's back: the record and the IP stay, as they would.
        await destroyNamespace(ns);
        return;
      }
      if (!(await namespaceMounted(ns))) {
        throw new VimRejectedError(`cannot inject ${fault}: instance ${instanceId} has no namespace (${ns})`);
      }
      switch (fault) {
        case 'link-down':
          await ip('-n', ns, 'link', 'set', 'dev', INSTANCE_IFNAME, 'down');
          return;
        case 'link-up':
          await this.linkUp(ns);
          return;
        case 'responder-stop':
          await killPids(await responderPids(ns));
          return;
        case 'responder-start': {
          const rec = await this.records.read(ns);
          if (!rec?.httpPort) throw new VimRejectedError(`instance ${instanceId} has no HTTP port to serve`);
          await this.ensureResponder(ns, rec.httpPort, instanceId, rec.owner?.installationId);
          return;
        }
        default:
          throw new VimRejectedError(`unknown fault '${String(fault)}'`);
      }
    });
  }

  // ---- garbage ----------------------------------------------------------

  /**
   * Removes what is provably orphaned among this VIM's objects (by name
   * prefix: other VIMs' are never looked at): namespaces, records and held
   * addresses whose instance has no live row, that are older than the grace
   * and that nobody holds the lock of — each decided on its own, with the
   * rows read after its lock is taken, so an instance another replica is
   * building or deleting meanwhile is never touched. Whatever was live in a
   * snapshot taken first is skipped without a lock: skipping is always safe,
   * and the next pass sees what died since. Then veths on the bridge
   * whose peer is in no namespace (vnfm makes the pair with its peer inside
   * the namespace, so such a veth is never one being built). Returns what it
   * removed ("netns:…", "responder:<pid>", "ip:…", "veth:…").
   */
  async collectGarbage(policy: GarbagePolicy): Promise<string[]> {
    const removed: string[] = [];
    const candidates = new Map<string, string | undefined>(); // namespace → instance id, if known
    for (const ns of await listNamespaces(this.nsPrefix)) candidates.set(ns, undefined);
    for (const ns of await this.records.list(this.nsPrefix)) candidates.set(ns, undefined);
    const held = new Map<string, Date>();
    for (const a of (await policy.heldAddresses?.()) ?? []) {
      const ns = namespaceName(this.vimId, a.instanceId);
      held.set(ns, a.since);
      candidates.set(ns, a.instanceId);
    }
    const liveNames = async () =>
      new Set([...(await policy.liveIds())].map((id) => namespaceName(this.vimId, id)));
    const snapshot = await liveNames();
    let busy = 0;
    for (const [ns, knownId] of [...candidates].sort(([a], [b]) => a.localeCompare(b))) {
      if (snapshot.has(ns)) continue;
      const r = await this.locks.tryRun(ns, async () => {
        const rec = await this.records.read(ns);
        const instanceId = rec?.instanceId ?? knownId;
        const since = rec ? Date.parse(rec.createdAt) : held.get(ns)?.getTime();
        const age = since !== undefined ? Date.now() - since : await namespaceAgeMs(ns);
        if (!(age >= policy.graceMs)) return [];
        if (instanceId !== undefined) {
          if (await policy.isLive(instanceId)) return [];
        } else {
          // No record: the instance behind a hashed name is known only by hashing the live ids.
          if ((await liveNames()).has(ns)) return [];
        }
        return this.removeInstance(instanceId, ns);
      });
      if (r.busy) busy++;
      else removed.push(...r.value);
    }
    const ports = await ipJson<LinkJson>('-d', 'link', 'show', 'master', this.config.bridge).catch(() => []);
    for (const l of ports) {
      if (l.linkinfo?.info_kind !== 'veth' || l.link_netnsid !== undefined) continue;
      if (await ipIgnoringMissing('link', 'del', 'dev', l.ifname)) removed.push(`veth:${l.ifname}`);
    }
    if (removed.length) this.log('info', 'collected garbage', { vimId: this.vimId, removed });
    if (busy) this.log('debug', 'garbage collection skipped instances in use', { vimId: this.vimId, busy });
    return removed;
  }
}
