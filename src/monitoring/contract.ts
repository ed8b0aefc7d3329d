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
  /** The monitored set's generation when the failure was seen: a newer one on the VNF makes it stale. */
  generation: number;
  episode: number;
  vduName: string;
  instanceId: string;
  ip: string;
  action: PolicyActionName;
  monitorResult: MonitorEvidence;
  /** The VDU's policy (for guards: respawn limit/backoff). */
  policy: MonitoringPolicy;
}

export type PolicyActionOutcome =
  | { result: 'ok'; generation: number; vdus: MonitoredVdu[]; detail: string }
  | { result: 'bad_action'; detail: string }
  | { result: 'stop'; detail: string };

export const POLICY_ACTION_WORKFLOW_TYPE = 'executePolicyAction';
export const policyActionWorkflowId = (vnfId: string, actionId: string, episode: number) =>
  `policy-action-${vnfId}-${actionId}-${episode}`;

/** A MONITOR event the monitor asks the conductor to write (recovery, refused target). */
export interface MonitorEventInput {
  vnfId: string;
  actionId: string;
  kind: 'recovered' | 'refused';
  vduName: string;
  instanceId: string;
  ip: string;
  episode?: number;
  detail: string;
}

// ---- the probe loop (a long-running activity on the worker that runs it) ----

export interface LoopTarget extends MonitorTarget {
  vduName: string;
  policy: MonitoringPolicy;
}

export interface ProbeLoopInput {
  /** Unique per loop start; control messages name it. */
  loopId: string;
  vnfId: string;
  generation: number;
  targets: LoopTarget[];
  counters: Record<string, TargetCounters>;
  /** Probes go only inside these (checked again here, defence in depth). */
  allowedCidrs: string[];
  /** The loop returns after this long even when all is healthy (rebalances loops over workers). */
  renewAfterMs: number;
}

export type ProbeLoopResult =
  /** A target crossed its failure threshold (and is not already in an episode). */
  | { kind: 'failure'; instanceId: string; counters: Record<string, TargetCounters> }
  /** A target in a failure episode reached its success threshold. */
  | { kind: 'recovered'; instanceId: string; counters: Record<string, TargetCounters> }
  | {
      kind: 'stopped';
      reason: 'control' | 'shutdown' | 'renew' | 'cancelled';
      counters: Record<string, TargetCounters>;
    };

export type ProbeLoopControl =
  | { loopId: string; command: 'stop' }
  | {
      loopId: string;
      command: 'update';
      generation: number;
      targets: LoopTarget[];
      counters: Record<string, TargetCounters>;
    };

/** Heartbeat details of a probe loop: enough to resume after a retry elsewhere. */
export interface ProbeLoopHeartbeat {
  loopId: string;
  generation: number;
  counters: Record<string, TargetCounters>;
}

/** Activities the monitor calls on the conductor's task queue. */
export interface ConductorMonitorActivities {
  recordMonitorEvent(input: MonitorEventInput): Promise<'ok' | 'bad_action'>;
}

/** Activities of the monitor worker. runProbeLoop and controlProbeLoop run on the worker-specific queue. */
export interface MonitorActivities {
  /**
   * Answers with the task queues of the worker that took it (its loops, its
   * control messages) and the heartbeat timeout its loops use (how long a
   * dead worker's loops go unnoticed).
   */
  pickProbeWorker(): Promise<{ taskQueue: string; controlTaskQueue: string; heartbeatTimeoutMs: number }>;
  runProbeLoop(input: ProbeLoopInput): Promise<ProbeLoopResult>;
  /** Delivers a control message to a loop on this worker; false when it is not running here. */
  controlProbeLoop(msg: ProbeLoopControl): Promise<boolean>;
}
