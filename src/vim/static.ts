// The static VIM: hosts that already exist somewhere. vnfm cannot make,
// remove or rebuild them; it only records the management IP the user gave
// (param_values) so the monitor can probe it, and refuses IPs outside the
// VIM's allowed CIDRs so probes never go where the operator did not allow.
import { allowedBy, isIpv4 } from '../net/cidr.js';
import type {
  Fault,
  GarbagePolicy,
  InstanceInfo,
  InstanceSpec,
  StaticVimConfig,
  VimDriver,
} from './driver.js';
import { VimRejectedError } from './driver.js';

/** Instances of this VIM known elsewhere (the conductor's vdu_instances rows). */
export type StaticInstanceSource = (vimId: string) => Promise<{ instanceId: string; mgmtIp: string }[]>;

export interface StaticVimDriverOptions {
  /** Consulted by describe/list for instances this process did not create. */
  known?: StaticInstanceSource;
}

export class StaticVimDriver implements VimDriver {
  readonly type = 'static' as const;
  readonly canRecreate = false;
  private readonly seen = new Map<string, string>();

  constructor(
    readonly vimId: string,
    readonly config: StaticVimConfig,
    private readonly opts: StaticVimDriverOptions = {},
  ) {}

  async ensureReady(): Promise<void> {}

  async createInstance(spec: InstanceSpec): Promise<InstanceInfo> {
    const ip = spec.staticIp;
    const what = `VDU ${spec.vduName}`;
    if (!ip) throw new VimRejectedError(`the static VIM needs a management IP for ${what} (param_values)`);
    if (!isIpv4(ip)) throw new VimRejectedError(`management IP '${ip}' of ${what} is not an IPv4 address`);
    if (!allowedBy(this.config.allowedCidrs, ip)) {
      throw new VimRejectedError(
        `management IP ${ip} of ${what} is outside the VIM's allowed CIDRs (${this.config.allowedCidrs.join(', ')})`,
      );
    }
    this.seen.set(spec.instanceId, ip);
    return this.info(spec.instanceId, ip);
  }

  async deleteInstance(spec: Pick<InstanceSpec, 'vimId' | 'instanceId'>): Promise<boolean> {
    // The host is not ours to remove; we only forget it.
    this.seen.delete(spec.instanceId);
    return true;
  }

  async describeInstance(instanceId: string): Promise<InstanceInfo> {
    const ip = this.seen.get(instanceId) ?? (await this.knownMap()).get(instanceId);
    return ip ? this.info(instanceId, ip) : { instanceId, resourceId: '', mgmtIp: '', state: 'missing' };
  }

  async listInstances(): Promise<InstanceInfo[]> {
    const all = await this.knownMap();
    for (const [id, ip] of this.seen) all.set(id, ip);
    return [...all].map(([id, ip]) => this.info(id, ip));
  }

  async injectFault(_instanceId: string, fault: Fault): Promise<void> {
    throw new VimRejectedError(`the static VIM does not support fault injection (${fault})`);
  }

  async collectGarbage(_policy: GarbagePolicy): Promise<string[]> {
    return [];
  }

  private async knownMap(): Promise<Map<string, string>> {
    const rows = this.opts.known ? await this.opts.known(this.vimId) : [];
    return new Map(rows.map((r) => [r.instanceId, r.mgmtIp]));
  }

  /** The host is assumed up: only the monitor can tell otherwise. */
  private info(instanceId: string, mgmtIp: string): InstanceInfo {
    return { instanceId, resourceId: mgmtIp, mgmtIp, state: 'up' };
  }
}
