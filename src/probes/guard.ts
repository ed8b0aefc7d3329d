// The allow-list guard in front of every probe: probes go only to addresses
// inside the VIM's allowed CIDRs. http_ping to an arbitrary address would be a
// server-side request forgery vector, and ICMP must never leave for addresses
// vnfm does not manage.
import type { MonitoringPolicy } from '../monitoring/policy.js';
import { allowedBy } from '../net/cidr.js';
import { isProbeAddress, probeFault, type ProbeDriver, type ProbeResult } from './driver.js';

/**
 * True when `ip` is a literal address in canonical form inside one of
 * `allowedCidrs`. Non-canonical spellings ("010.0.0.1", which ping would read
 * as octal 8.0.0.1) and IPv6 (the CIDR helpers are IPv4-only) are refused.
 */
export function isProbeAllowed(ip: string, allowedCidrs: readonly string[]): boolean {
  return isProbeAddress(ip) && allowedBy(allowedCidrs, ip);
}

/** Runs one probe round if `ip` is allowed; otherwise a fault (nothing known of the target), with nothing sent. */
export function guardedProbe(
  driver: ProbeDriver,
  ip: string,
  policy: MonitoringPolicy,
  allowedCidrs: readonly string[],
  signal?: AbortSignal,
): Promise<ProbeResult> {
  if (!isProbeAllowed(ip, allowedCidrs)) {
    return Promise.resolve(probeFault(`refused: ${ip} is outside the VIM's allowed CIDRs`));
  }
  return driver.probe(ip, policy, signal);
}
