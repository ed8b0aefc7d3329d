// Deterministic names for the netns VIM's kernel objects. Everything is
// derived from ids, so a retried or crashed operation finds what an earlier
// attempt made, and a namespace's name says which VIM owns it. Names are
// hashes (interface names are limited to 15 characters); GC maps them back by
// hashing the ids it is told to keep, never by parsing.
import { createHash } from 'node:crypto';

function hex(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

/** Every namespace of one VIM starts with this: `vnfm-<8 hex of sha256(vimId)>-`. */
export function namespacePrefix(vimId: string): string {
  return `vnfm-${hex(vimId, 8)}-`;
}

/** `vnfm-<8 hex of sha256(vimId)>-<12 hex of sha256(instanceId)>` (26 characters). */
export function namespaceName(vimId: string, instanceId: string): string {
  return `${namespacePrefix(vimId)}${hex(instanceId, 12)}`;
}

/** Host end of the instance's veth: `vh` + 12 hex (14 characters; the limit is 15). */
export function vethHostName(vimId: string, instanceId: string): string {
  return `vh${hex(`${vimId}/${instanceId}`, 12)}`;
}

export const VETH_HOST_PATTERN = /^vh[0-9a-f]{12}$/;

/** Name of the instance's interface inside its namespace. */
export const INSTANCE_IFNAME = 'eth0';

/** A locally administered unicast MAC derived from `seed`. */
function macFrom(seed: string): string {
  const h = hex(seed, 10);
  return ['02', ...(h.match(/../g) ?? [])].join(':');
}

/**
 * The instance's eth0 MAC. Stable across heal, so the host's neighbour entry
 * for the management IP stays valid and probes work at once after a rebuild.
 */
export function instanceMac(vimId: string, instanceId: string): string {
  return macFrom(`eth0/${vimId}/${instanceId}`);
}

/**
 * The bridge's MAC. Set when the bridge is created, so it never changes as
 * ports come and go, and it marks the bridge as this VIM's: an interface of
 * that name with another MAC belongs to someone else and is never touched.
 */
export function bridgeMac(vimId: string): string {
  return macFrom(`bridge/${vimId}`);
}
