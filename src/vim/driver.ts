// The VIM driver interface: what the conductor needs from infrastructure.
// Every operation is idempotent: resources are named deterministically from
// ids, so a retried create finds what the first attempt made, and deleting
// something already gone succeeds. There is no "heal in place": heal and
// respawn replace an instance with a new one (new id, new IP), which a
// create and a delete do.

export type VimType = 'netns' | 'static';

export interface NetnsVimConfig {
  /** Host bridge the instances' veths join (at most 15 characters). */
  bridge: string;
  /** Address pool (IPv4 CIDR): the bridge takes the first address, instances the rest. */
  pool: string;
  /** Where probes may go; default: the pool. */
  allowedCidrs: string[];
}

export interface StaticVimConfig {
  /** Where probes may go; management IPs outside are refused. */
  allowedCidrs: string[];
}

export type VimConfig = NetnsVimConfig | StaticVimConfig;

export interface InstanceSpec {
  vimId: string;
  vnfId: string;
  /** Unique per incarnation: a respawned or healed instance gets a new id. */
  instanceId: string;
  vduName: string;
  index: number;
  image: string;
  /** Start an HTTP responder on this port (http_ping VDUs). */
  httpPort?: number;
  /** static VIM: the management IP given in param_values. */
  staticIp?: string;
}

export interface InstanceInfo {
  instanceId: string;
  /** The VIM's own name for the instance (netns: the namespace name). */
  resourceId: string;
  mgmtIp: string;
  /** up | down | missing */
  state: 'up' | 'down' | 'missing';
  responderRunning?: boolean;
}

export type Fault = 'link-down' | 'link-up' | 'responder-stop' | 'responder-start' | 'delete';

/** Allocates and releases management IPs; backed by the ip_allocations table. */
export interface IpAllocator {
  /** Returns the instance's address, allocating one from the pool if it has none. */
  allocate(
    vimId: string,
    instanceId: string,
    vnfId: string,
    pool: string,
    reserved: string[],
  ): Promise<string>;
  release(vimId: string, instanceId: string): Promise<void>;
}

export interface VimDriver {
  readonly type: VimType;
  /** Whether heal/respawn can recreate instances (static cannot). */
  readonly canRecreate: boolean;
  /** Prepares shared resources (bridge, routes); idempotent. */
  ensureReady(): Promise<void>;
  /** Builds the instance, or completes or repairs it (same id: same names and IP). */
  createInstance(spec: InstanceSpec): Promise<InstanceInfo>;
  /**
   * Removes the instance and releases its IP. With `ifIdle`, only when no one
   * works on the instance now; returns false when it did nothing for that reason.
   */
  deleteInstance(
    spec: Pick<InstanceSpec, 'vimId' | 'instanceId'>,
    opts?: { ifIdle?: boolean },
  ): Promise<boolean>;
  describeInstance(instanceId: string): Promise<InstanceInfo>;
  listInstances(): Promise<InstanceInfo[]>;
  injectFault(instanceId: string, fault: Fault): Promise<void>;
  /** Removes what of this VIM is provably orphaned under `policy`. Returns what it removed. */
  collectGarbage(policy: GarbagePolicy): Promise<string[]>;
}

/** What garbage collection may remove: only what is provably orphaned. */
export interface GarbagePolicy {
  /** Whether the instance has a live row; asked while holding the instance's lock. */
  isLive(instanceId: string): Promise<boolean>;
  /** Every live instance id of this VIM (for namespaces whose record is lost, which is rare). */
  liveIds(): Promise<Iterable<string>>;
  /** Instances holding an address of this VIM, and since when (addresses whose namespace never came). */
  heldAddresses?(): Promise<{ instanceId: string; since: Date }[]>;
  /** Objects younger than this are left alone, whatever the rows say. */
  graceMs: number;
}

/**
 * A request the VIM can never satisfy, so retrying is pointless: an
 * unsupported operation (fault injection on the static VIM), an invalid spec (a
 * static IP outside the allowed CIDRs) or a bridge that is not the VIM's. Workflows can list it as non-retryable.
 */
export class VimRejectedError extends Error {
  override readonly name = 'VimRejectedError';
}
