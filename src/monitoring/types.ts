// Contracts between the monitor workflow, its probe loop, the conductor and
// the API/CLI. Pure types and constants: workflow code imports them.
import type { MonitoringPolicy, PolicyActionName } from './policy.js';

export interface MonitorTarget {
  instanceId: string;
  ip: string;
  /** ISO time the instance (re)booted; monitoring_delay counts from here. */
  bootedAt: string;
}

export interface MonitoredVdu {
  vduName: string;
  policy: MonitoringPolicy;
  targets: MonitorTarget[];
}

export type MonitorState = 'WAITING_DELAY' | 'PROBING' | 'ACTING' | 'PAUSED' | 'STOPPED';

export interface TargetCounters {
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastProbeAt?: string;
  lastResult?: 'ok' | 'failed';
  lastError?: string;
  lastLatencyMs?: number;
  /** Failure episode this target is in, if any (the policy action has run for it). */
  episode?: number;
}

export interface RespawnRecord {
  at: string;
  episode: number;
  action: PolicyActionName;
  vduName: string;
  instanceId: string;
  ip: string;
  outcome: string;
}

/** What survives continue-as-new. */
export interface CarriedState {
  counters: Record<string, TargetCounters>;
  nextEpisode: number;
  history: RespawnRecord[];
  paused: boolean;
  lastAction?: RespawnRecord;
}

export interface MonitorInput {
  vnfId: string;
  vnfName: string;
  vnfdName: string;
  tenantId: string;
  actionId: string;
  generation: number;
  vdus: MonitoredVdu[];
  /** Where executePolicyAction runs. */
  conductorTaskQueue: string;
  /** CIDRs probes may go to (the VIM's allowed CIDRs). */
  allowedCidrs: string[];
  carried?: CarriedState;
}

export interface KillSignal {
  actionId: string;
}
export interface UpdateSignal {
  actionId: string;
  generation: number;
  vdus: MonitoredVdu[];
}
export interface PauseSignal {
  actionId: string;
}

export interface TargetStatus extends TargetCounters {
  vduName: string;
  instanceId: string;
  ip: string;
  bootedAt: string;
  driver: MonitoringPolicy['driver'];
  action: PolicyActionName;
  state: 'waiting_delay' | 'probing' | 'failed' | 'acting' | 'paused' | 'stopped' | 'refused';
}

export interface MonitorStatus {
  vnfId: string;
  actionId: string;
  generation: number;
  state: MonitorState;
  targets: TargetStatus[];
  lastAction?: RespawnRecord;
  history: RespawnRecord[];
  /** The probe loop currently running, if any. */
  loop?: { taskQueue: string; startedAt: string };
  stoppedReason?: string;
}

export const MONITOR_WORKFLOW_TYPE = 'vnfMonitorWorkflow';
export const monitorWorkflowId = (vnfId: string): string => `vnf-monitor-${vnfId}`;
export const SIGNAL_KILL = 'kill';
export const SIGNAL_UPDATE = 'update';
export const SIGNAL_PAUSE = 'pause';
export const SIGNAL_RESUME = 'resume';
export const QUERY_STATUS = 'status';

// ---- conductor's policy actions ----

export interface MonitorEvidence {
  target: string;
  instanceId: string;
  consecutiveFailures: number;
  lastError?: string;
  lastProbeAt?: string;
  driver: MonitoringPolicy['driver'];
}

export interface PolicyActionInput {
  vnfId: string;
  actionId: string;
  episode: number;
  vduName: string;
  instanceId: string;
  ip: string;
  action: PolicyActionName;
  monitorResult: MonitorEvidence;
  /** The VDU's policy (for guards: respawn limit/backoff). */
  policy: MonitoringPolicy;
  /** A recovery that closes a `log` episode (no action, one event). */
  recovered?: boolean;
}

export type PolicyActionOutcome =
  | { result: 'ok'; generation: number; vdus: MonitoredVdu[]; detail: string }
  | { result: 'bad_action'; detail: string }
  | { result: 'stop'; detail: string };

export const POLICY_ACTION_WORKFLOW_TYPE = 'executePolicyAction';
export const policyActionWorkflowId = (vnfId: string, actionId: string, episode: number, recovered = false) =>
  `policy-action-${vnfId}-${actionId}-${episode}${recovered ? '-recovered' : ''}`;
