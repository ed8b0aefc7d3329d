// Validation of VIM settings: the body of a VIM registration (snake_case, as
// the API receives it), the config stored on a Vim row (camelCase), and the
// rules that span VIMs (netns pools must not overlap, bridges must differ).
import { cidrContains, cidrsOverlap, intToIp, ipToInt, parseCidr } from '../net/cidr.js';
import type { NetnsVimConfig, StaticVimConfig, VimConfig, VimType } from './driver.js';
import { VETH_HOST_PATTERN } from './netns-names.js';

export interface ConfigError {
  path: string;
  message: string;
}

export type VimConfigResult<C = VimConfig> = { ok: true; config: C } | { ok: false; errors: ConfigError[] };

export const VIM_TYPES: readonly VimType[] = ['netns', 'static'];

/** Linux interface names: at most 15 characters; we also keep them shell- and log-friendly. */
const BRIDGE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,14}$/;

export const MIN_POOL_PREFIX = 16;
export const MAX_POOL_PREFIX = 29;

/**
 * Where netns pools may come from: private, carrier-grade NAT and benchmarking
 * space, so a pool can never shadow a real public address on this host.
 */
export const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '198.18.0.0/15',
];

function checkBridge(value: unknown, path: string, errors: ConfigError[]): string | undefined {
  if (typeof value !== 'string' || value === '') {
    errors.push({ path, message: 'bridge is required (an interface name of at most 15 characters)' });
    return undefined;
  }
  if (!BRIDGE_NAME.test(value)) {
    errors.push({
      path,
      message: `bridge '${value}' must be a letter followed by at most 14 letters, digits, '-' or '_'`,
    });
    return undefined;
  }
  if (VETH_HOST_PATTERN.test(value)) {
    errors.push({
      path,
      message: `bridge '${value}' looks like a netns VIM veth name (vh + 12 hex); choose another`,
    });
    return undefined;
  }
  return value;
}

function checkPool(value: unknown, path: string, errors: ConfigError[]): string | undefined {
  if (typeof value !== 'string' || value === '') {
    errors.push({ path, message: 'pool is required (an IPv4 CIDR such as 10.210.0.0/24)' });
    return undefined;
  }
  const c = parseCidr(value);
  if (!c) {
    errors.push({ path, message: `pool '${value}' is not an IPv4 CIDR (a.b.c.d/n)` });
    return undefined;
  }
  if (c.prefix < MIN_POOL_PREFIX || c.prefix > MAX_POOL_PREFIX) {
    errors.push({
      path,
      message: `pool '${value}' must have a prefix between /${MIN_POOL_PREFIX} and /${MAX_POOL_PREFIX}`,
    });
    return undefined;
  }
  const canonical = `${intToIp(c.network)}/${c.prefix}`;
  if (ipToInt(value.split('/')[0]!) !== c.network) {
    errors.push({ path, message: `pool '${value}' is not a network address; did you mean ${canonical}?` });
    return undefined;
  }
  if (
    !PRIVATE_RANGES.some(
      (r) => cidrContains(r, intToIp(c.network)) && cidrContains(r, intToIp(c.network + c.size - 1)),
    )
  ) {
    errors.push({
      path,
      message: `pool '${value}' must lie in private address space (${PRIVATE_RANGES.join(', ')})`,
    });
    return undefined;
  }
  return canonical;
}

function checkCidrList(value: unknown, path: string, errors: ConfigError[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    errors.push({ path, message: 'must be a list of IPv4 CIDRs' });
    return undefined;
  }
  const out: string[] = [];
  value.forEach((v, i) => {
    const c = typeof v === 'string' ? parseCidr(v) : undefined;
    if (!c) errors.push({ path: `${path}[${i}]`, message: `'${String(v)}' is not an IPv4 CIDR (a.b.c.d/n)` });
    else out.push(`${intToIp(c.network)}/${c.prefix}`);
  });
  return out;
}

function validate(type: unknown, fields: Record<string, unknown>, cidrKey: string): VimConfigResult {
  const errors: ConfigError[] = [];
  if (type === 'netns') {
    const bridge = checkBridge(fields.bridge, 'bridge', errors);
    const pool = checkPool(fields.pool, 'pool', errors);
    const allowed = checkCidrList(fields[cidrKey], cidrKey, errors);
    if (errors.length || !bridge || !pool) return { ok: false, errors };
    const config: NetnsVimConfig = { bridge, pool, allowedCidrs: allowed?.length ? allowed : [pool] };
    return { ok: true, config };
  }
  if (type === 'static') {
    const allowed = checkCidrList(fields[cidrKey], cidrKey, errors);
    if (!errors.length && !allowed?.length) {
      errors.push({ path: cidrKey, message: 'a static VIM needs at least one allowed CIDR for its hosts' });
    }
    if (errors.length || !allowed) return { ok: false, errors };
    const config: StaticVimConfig = { allowedCidrs: allowed };
    return { ok: true, config };
  }
  return { ok: false, errors: [{ path: 'type', message: `type must be one of ${VIM_TYPES.join(', ')}` }] };
}

/**
 * Validates the type-specific fields of a VIM registration body
 * (netns: bridge, pool, allowed_cidrs; static: allowed_cidrs) and returns the
 * config to store, normalised (canonical CIDRs, allowedCidrs defaulted to the pool).
 */
export function validateVimConfig(type: unknown, body: Record<string, unknown>): VimConfigResult {
  return validate(type, body, 'allowed_cidrs');
}

/** Validates the config stored on a Vim row (camelCase, as validateVimConfig returned it). */
export function parseStoredVimConfig(type: unknown, config: unknown): VimConfigResult {
  const fields = config && typeof config === 'object' ? (config as Record<string, unknown>) : {};
  return validate(type, fields, 'allowedCidrs');
}

export interface VimRowLike {
  id: string;
  name?: string;
  type: string;
  config: unknown;
}

/**
 * Conflicts of a new or updated VIM with the existing ones (pass live rows;
 * the candidate's own row is skipped by id): two netns VIMs must not share a
 * bridge or overlapping pools, since both live in this host's one routing table.
 */
export function vimConflicts(candidate: VimRowLike, existing: readonly VimRowLike[]): ConfigError[] {
  if (candidate.type !== 'netns') return [];
  const mine = candidate.config as Partial<NetnsVimConfig>;
  const errors: ConfigError[] = [];
  for (const other of existing) {
    if (other.id === candidate.id || other.type !== 'netns') continue;
    const theirs = (other.config ?? {}) as Partial<NetnsVimConfig>;
    const label = other.name ? `VIM '${other.name}' (${other.id})` : `VIM ${other.id}`;
    if (mine.bridge && theirs.bridge === mine.bridge) {
      errors.push({ path: 'bridge', message: `bridge '${mine.bridge}' is already used by ${label}` });
    }
    if (mine.pool && typeof theirs.pool === 'string' && cidrsOverlap(mine.pool, theirs.pool)) {
      errors.push({ path: 'pool', message: `pool ${mine.pool} overlaps pool ${theirs.pool} of ${label}` });
    }
  }
  return errors;
}
