// A probe driver checks one target once (one "round"). Drivers are pure I/O
// with no Temporal or database dependency, so a batched engine can sit behind
// `ping` without the monitor noticing.
import { isIP } from 'node:net';
import type { MonitoringPolicy } from '../monitoring/policy.js';

export interface ProbeResult {
  ok: boolean;
  /** Round-trip time of the best reply (ping) or time to response headers (http_ping), when any. */
  latencyMs?: number;
  /** Why the round failed, for events and the status query. */
  error?: string;
  /**
   * The manager could not run the round — its probe tool is missing, did not start, gave no
   * answer or was cut off by the watchdog, or the target is outside what it may probe. Says
   * nothing about the target: never counted as a failure, never evidence for an action.
   */
  fault?: true;
}

/**
 * Contract:
 * - One call is one round; the monitor counts consecutive failed rounds itself.
 * - Every outcome of the round, including bad input and a failed child
 *   process, resolves as a ProbeResult; probe() never rejects for those.
 * - When `signal` aborts, probe() rejects with `signal.reason` (an AbortError
 *   unless the caller gave another reason) and stops waiting. An aborted round
 *   is not a result: the caller must not count it as a failure.
 * - A round always ends: drivers bound their own time by the policy's timeouts.
 */
export interface ProbeDriver {
  probe(ip: string, policy: MonitoringPolicy, signal?: AbortSignal): Promise<ProbeResult>;
}

/**
 * A literal IP address in canonical form, so nothing downstream resolves a
 * name or reads an argument as an option. Node's isIP rejects IPv4 parts with
 * leading zeros, which inet_aton (ping, fping) would read as octal.
 */
export function isProbeAddress(ip: string): boolean {
  return isIP(ip) !== 0;
}

export const failed = (error: string): ProbeResult => ({ ok: false, error });

/** A round the manager could not run (ProbeResult.fault). */
export const probeFault = (error: string): ProbeResult => ({ ok: false, error, fault: true });

/** Seconds as people write them: 1, 0.5, 2.25. */
export const formatSeconds = (s: number): string => String(Math.round(s * 1000) / 1000);
