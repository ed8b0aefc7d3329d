// The fleet of VDU hosts: a few network namespaces, each joined to the host by
// one veth pair and carrying up to 4,000 management IPs as /32 addresses on
// its loopback. The host routes each namespace's /20 via the namespace's veth
// address, so the host keeps one neighbour entry per namespace, not per IP,
// and net.ipv4.neigh gc thresholds stay untouched. A blackhole route for the
// whole prefix (high metric) keeps probes on this machine if a namespace goes.
//
// Addresses: the first of 100.72.0.0/16 … 100.79.0.0/16 (carrier-grade NAT
// space) that no route of this host overlaps; adding the blackhole route
// claims it, so concurrent runs (a smoke test during a big run) take
// different prefixes. Namespace i holds 100.B.16i.0/20 of the hosts' /17;
// the transit /30s are in 100.B.255.0/24.
import { cidrsOverlap } from '../src/net/cidr.js';
import { run, tryRun } from './sh.js';

const PREFIX_OCTETS = [72, 73, 74, 75, 76, 77, 78, 79];
const PER_NS = 4000;
const MAX_NS = 8; // 8 × /20 = 100.72.0.0/17
const NS_PREFIX = 'vnfmb-';
const BLACKHOLE_METRIC = '4000';

export interface FleetNamespace {
  name: string;
  hostVeth: string;
  nsVeth: string;
  hostAddr: string;
  nsAddr: string;
  block: string;
  ips: string[];
}

function nsIps(b: number, i: number, count: number): string[] {
  const out: string[] = [];
  for (let j = 0; j < count; j++) out.push(`100.${b}.${16 * i + Math.floor(j / 254)}.${(j % 254) + 1}`);
  return out;
}

const asCidr = (dst: string) => (dst.includes('/') ? dst : `${dst}/32`);

/** Routes of every table whose destination overlaps `cidr`. */
async function overlapping(cidr: string): Promise<string[]> {
  const routes = JSON.parse(await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as {
    dst?: string;
  }[];
  return routes.map((r) => r.dst ?? '').filter((d) => /^\d/.test(d) && cidrsOverlap(asCidr(d), cidr));
}

/** Claims the first free /16 by adding its blackhole route (which fails if another run got there first). */
async function claimPrefix(): Promise<number> {
  for (const b of PREFIX_OCTETS) {
    const prefix = `100.${b}.0.0/16`;
    if ((await overlapping(prefix)).length) continue;
    if (await tryRun('ip', ['route', 'add', 'blackhole', prefix, 'metric', BLACKHOLE_METRIC])) return b;
  }
  throw new Error(
    `every bench prefix (100.72-79.0.0/16) is in use by routes of this host: other bench runs, or crashed ones (npm run bench -- cleanup)`,
  );
}

export class Fleet {
  private readonly byIp = new Map<string, FleetNamespace>();
  private readonly cut = new Set<string>();

  private constructor(
    readonly octet: number,
    readonly namespaces: FleetNamespace[],
  ) {}

  /** The whole prefix (blackholed), and its part that holds VDU addresses (the static VIM's allowed CIDR). */
  get prefix(): string {
    return `100.${this.octet}.0.0/16`;
  }

  get hostsCidr(): string {
    return `100.${this.octet}.0.0/17`;
  }

  /** Every management IP, in order (namespace by namespace). */
  get ips(): string[] {
    return this.namespaces.flatMap((n) => n.ips);
  }

  static async create(size: number, tag: string): Promise<Fleet> {
    const count = Math.ceil(size / PER_NS);
    if (count > MAX_NS) throw new Error(`a fleet holds at most ${MAX_NS * PER_NS} IPs`);
    const b = await claimPrefix();
    const namespaces: FleetNamespace[] = [];
    const fleet = new Fleet(b, namespaces);
    try {
      for (let i = 0; i < count; i++) {
        const n = Math.min(PER_NS, size - i * PER_NS);
        const ns: FleetNamespace = {
          name: `${NS_PREFIX}${tag}-${i}`,
          hostVeth: `vb${tag}${i}h`,
          nsVeth: `vb${tag}${i}n`,
          hostAddr: `100.${b}.255.${4 * i + 1}`,
          nsAddr: `100.${b}.255.${4 * i + 2}`,
          block: `100.${b}.${16 * i}.0/20`,
          ips: nsIps(b, i, n),
        };
        namespaces.push(ns);
        await run('ip', ['netns', 'add', ns.name]);
        await run('ip', [
          'link',
          'add',
          ns.hostVeth,
          'type',
          'veth',
          'peer',
          'name',
          ns.nsVeth,
          'netns',
          ns.name,
        ]);
        await run('ip', ['addr', 'add', `${ns.hostAddr}/30`, 'dev', ns.hostVeth]);
        await run('ip', ['link', 'set', ns.hostVeth, 'up']);
        const batch = [
          `link set lo up`,
          `addr add ${ns.nsAddr}/30 dev ${ns.nsVeth}`,
          `link set ${ns.nsVeth} up`,
          ...ns.ips.map((ip) => `addr add ${ip}/32 dev lo`),
        ].join('\n');
        await run('ip', ['-n', ns.name, '-batch', '-'], batch + '\n');
        await run('ip', ['route', 'add', ns.block, 'via', ns.nsAddr, 'dev', ns.hostVeth]);
        for (const ip of ns.ips) fleet.byIp.set(ip, ns);
      }
    } catch (err) {
      await fleet.destroy();
      throw err;
    }
    return fleet;
  }

  namespaceOf(ip: string): FleetNamespace {
    const ns = this.byIp.get(ip);
    if (!ns) throw new Error(`${ip} is not a fleet address`);
    return ns;
  }

  /** Makes a VDU unreachable: its address leaves the namespace (requests still arrive, nothing answers). */
  async cutOff(ip: string): Promise<void> {
    await run('ip', ['-n', this.namespaceOf(ip).name, 'addr', 'del', `${ip}/32`, 'dev', 'lo']);
    this.cut.add(ip);
  }

  async restore(ip: string): Promise<void> {
    await run('ip', ['-n', this.namespaceOf(ip).name, 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
    this.cut.delete(ip);
  }

  async destroy(): Promise<void> {
    for (const ns of this.namespaces) {
      await tryRun('ip', ['route', 'del', ns.block]);
      await tryRun('ip', ['link', 'del', ns.hostVeth]);
      await tryRun('ip', ['netns', 'del', ns.name]);
    }
    await tryRun('ip', ['route', 'del', 'blackhole', this.prefix]);
  }
}

/** Removes what crashed runs left: every bench namespace, route and blackhole (run it only when no bench runs). */
export async function cleanupLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  const list = await run('ip', ['netns', 'list']).catch(() => '');
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0];
    if (name?.startsWith(NS_PREFIX) && (await tryRun('ip', ['netns', 'del', name])))
      removed.push(`netns ${name}`);
  }
  const routes = JSON.parse(await run('ip', ['-j', '-4', 'route', 'show'])) as {
    dst?: string;
    type?: string;
  }[];
  for (const r of routes) {
    const d = r.dst ?? '';
    if (!/^\d/.test(d) || !PREFIX_OCTETS.some((b) => cidrsOverlap(asCidr(d), `100.${b}.0.0/16`))) continue;
    const args = r.type === 'blackhole' ? ['route', 'del', 'blackhole', d] : ['route', 'del', d];
    if (await tryRun('ip', args)) removed.push(`route ${d}`);
  }
  return removed;
}
