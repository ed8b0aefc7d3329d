// A probe driver checks one target once (one "round"). Drivers are pure I/O
// with no Temporal or database dependency, so a batched engine can sit behind
// `ping` without the monitor noticing.
import type { MonitoringPolicy } from '../monitoring/policy.js';

export interface ProbeResult {
  ok: boolean;
  /** Round-trip time of the best reply, when any. */
  latencyMs?: number;
  /** Why the round failed, for events and the status query. */
  error?: string;
}

export interface ProbeDriver {
  probe(ip: string, policy: MonitoringPolicy, signal?: AbortSignal): Promise<ProbeResult>;
}
