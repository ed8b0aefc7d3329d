// Contracts between the monitor workflow, its probe loop, the conductor and
// the API/CLI. Pure types and constants: workflow code imports them.
import type { MonitoringPolicy, PolicyActionName } from './policy.js';

/** The VNF's status as the conductor reports it to the monitor (conductor/contract.ts VnfStatus). */
export type MonitoredVnfStatus = string;

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

/** The MonitorState search attribute: named and derived in src/workflows/monitor/machine.ts. */
export const MONITOR_STATES = ['WAITING_DELAY', 'PROBING', 'ACTING', 'HELD', 'PAUSED', 'STOPPED'] as const;
export type MonitorState = (typeof MONITOR_STATES)[number];

export interface TargetCounters {
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastProbeAt?: string;
  /** `fault`: the worker could not run the round (ProbeResult.fault); the counts did not move. */
  lastResult?: 'ok' | 'failed' | 'fault';
  lastError?: string;
  lastLatencyMs?: number;
  /** Failure episode this target is in, if any: the probe loop reports recovery, not failure. */
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

/** What survived continue-as-new before the state machine (runs of the legacy implementation). */
export interface CarriedStateV1 {
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
  /** The VNF's status when the conductor started the monitor (ERROR: watch, do not act). */
  vnfStatus?: MonitoredVnfStatus;
  /** First episode number of a new monitor: above every episode the VNF's earlier monitors used. */
  firstEpisode?: number;
  /** State carried over continue-as-new (version 2: the state machine's; otherwise the legacy form). */
  carried?: CarriedStateV1 | CarriedMonitorState;
}

/** Who saw a failure: the probe loop's worker queue and how many VNFs it probed. */
export interface Vantage {
  taskQueue: string;
  vnfs: number;
}

/** An open failure episode of a target, and what the monitor did about it. */
export interface Episode {
  id: number;
  /** ms since the epoch. */
  openedAt: number;
  /**
   * acting: its policy action runs; acted: the action ran and left the target in place (log),
   * the episode lasts until recovery; held: no action, the VNF is not ACTIVE (see hold);
   * covered: a VNF-wide action for another target runs and will replace this one;
   * waiting_retry: an earlier action for this target failed, the next waits until retryAt.
   */
  status: 'acting' | 'acted' | 'held' | 'covered' | 'waiting_retry';
  retryAt?: number;
  /** held: why (the VNF's status, or a correlated-failure hold of its VIM or worker). */
  reason?: string;
  /** held by a correlated-failure hold (not by the VNF's status): that hold's id. */
  holdId?: string;
  /**
   * The worker whose report opened the episode: a deferred action (waiting_retry) still names it,
   * so repeated unconfirmed failures count against that worker's probe path.
   */
  vantage?: Vantage;
}

/** What survives continue-as-new: the state machine's durable state (machine.ts carry()). */
export interface CarriedMonitorState {
  version: 2;
  generation: number;
  vdus: MonitoredVdu[];
  paused: boolean;
  hold?: { reason: string; since: number };
  counters: Record<string, TargetCounters>;
  episodes: Record<string, Episode>;
  nextEpisode: number;
  /** Per target: actions that failed in a row, and when the next may run. */
  retries: Record<string, { failures: number; notBefore: number }>;
  history: RespawnRecord[];
  lastAction?: RespawnRecord;
  /** `${instanceId}@${ip}` of refused targets already reported. */
  refusedReported: string[];
  ignoredMessages: number;
  lastIgnored?: string;
}

export interface KillSignal {
  actionId: string;
}
export interface UpdateSignal {
  actionId: string;
  generation: number;
  vdus: MonitoredVdu[];
  /** The VNF's status (sent by the conductor): ERROR holds actions, ACTIVE lifts a hold. */
  vnfStatus?: MonitoredVnfStatus;
}
export interface PauseSignal {
  actionId: string;
}
export interface ActionPhaseSignal {
  actionId: string;
  episode: number;
  phase: string;
  /**
   * The conductor's own probe saw the held target answer: its hold takes no action for it, and
   * the monitor ends the held episode (a target that still fails from here is judged afresh).
   */
  answered?: boolean;
}

export interface TargetStatus extends TargetCounters {
  vduName: string;
  instanceId: string;
  ip: string;
  bootedAt: string;
  driver: MonitoringPolicy['driver'];
  action: PolicyActionName;
  state: 'waiting_delay' | 'probing' | 'failed' | 'acting' | 'held' | 'paused' | 'stopped' | 'refused';
  /** The open failure episode's status, when the target is in one. */
  episodeStatus?: Episode['status'];
  /** waiting_retry: when the next action may run. */
  retryAt?: string;
  /** held: why. */
  reason?: string;
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
  /** Watching but not acting: the VNF is not ACTIVE (e.g. ERROR after the respawn limit). */
  hold?: { reason: string; since: string };
  /** Policy actions running now, and where each stands (e.g. confirming, queued for a recreation slot). */
  actions?: {
    episode: number;
    action: PolicyActionName;
    vduName: string;
    instanceId: string;
    startedAt: string;
    phase?: string;
  }[];
  /** Messages (signals) ignored: wrong actionId, stale generation or malformed; the last reason. */
  ignoredMessages?: number;
  lastIgnored?: string;
}

export const MONITOR_WORKFLOW_TYPE = 'vnfMonitorWorkflow';
export const monitorWorkflowId = (vnfId: string): string => `vnf-monitor-${vnfId}`;
export const SIGNAL_KILL = 'kill';
export const SIGNAL_UPDATE = 'update';
export const SIGNAL_PAUSE = 'pause';
export const SIGNAL_RESUME = 'resume';
/** From the conductor: where a running or held action stands (confirming, queued, released, ...). */
export const SIGNAL_ACTION_PHASE = 'actionPhase';
export const QUERY_STATUS = 'status';
/**
 * From a monitor worker's presence workflow: the worker that ran loops on `taskQueue` stopped
 * answering. A monitor whose loop runs there abandons it and starts a new one elsewhere.
 */
export const SIGNAL_WORKER_LOST = 'workerLost';

/** workerLost: the per-process loop queue of the monitor worker that was lost. */
export interface WorkerLostSignal {
  taskQueue: string;
}

// ---- monitor worker presence ----

/** One per monitor worker process: notices its death with one heartbeat per worker, not per loop. */
export const WORKER_PRESENCE_WORKFLOW_TYPE = 'monitorWorkerPresence';
export const workerPresenceWorkflowId = (identity: string): string => `vnfm-monitor-presence-${identity}`;

export interface WorkerPresenceInput {
  identity: string;
  /** The worker's probe loop queue (what monitors publish in their memo as `loopQueue`). */
  loopTaskQueue: string;
  /** Where the presence activity runs: the worker's own control queue. */
  presenceTaskQueue: string;
  /** Worker silence before its loops are taken over (VNFM_MONITOR_HEARTBEAT_TIMEOUT). */
  heartbeatTimeoutMs: number;
}

export interface PresenceActivities {
  /** Heartbeats while the worker lives; 'renew' after renewAfterMs, 'shutdown' on a clean stop. */
  workerPresence(input: { renewAfterMs: number }): Promise<'renew' | 'shutdown'>;
  /** Signals workerLost to every running monitor whose memo names this loop queue; how many. */
  releaseLostWorkerLoops(input: { loopTaskQueue: string }): Promise<number>;
}

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
  /**
   * 2: the caller understands the stale and hold outcomes (the state machine); 3: also deferred
   * and unconfirmed. Absent: a monitor of the legacy implementation, answered in its terms.
   */
  protocol?: 2 | 3;
  vantage?: Vantage;
}

/**
 * The conductor's answer to a policy action. ok: done (a new set when it replaced targets);
 * stale: not acted on, the failure was seen on targets that have changed since; hold: not acted
 * on, the VNF is not ACTIVE (ERROR after a guard or a failed recreation) — watch, do not act;
 * bad_action: the VNF is gone or this monitor is obsolete; stop: the action removed the VNF.
 */
export type PolicyActionOutcome =
  | { result: 'ok'; generation: number; vdus: MonitoredVdu[]; detail: string }
  | { result: 'stale'; generation: number; vdus: MonitoredVdu[]; detail: string }
  | {
      result: 'hold';
      generation: number;
      vdus: MonitoredVdu[];
      detail: string;
      vnfStatus: MonitoredVnfStatus;
    }
  /** Held by a correlated-failure hold of the target's VIM or worker: watch, the conductor decides later. */
  | { result: 'deferred'; detail: string; holdId: string }
  /** A second vantage found the target answering: not acted on; the reporting worker's path is suspect. */
  | { result: 'unconfirmed'; detail: string; retryAfterMs: number }
  | { result: 'bad_action'; detail: string }
  | { result: 'stop'; detail: string };

export const POLICY_ACTION_WORKFLOW_TYPE = 'executePolicyAction';
/** How executePolicyAction fails when its episode number belongs to another failure. */
export const EPISODE_TAKEN = 'EpisodeTaken';
export const policyActionWorkflowId = (vnfId: string, actionId: string, episode: number) =>
  `policy-action-${vnfId}-${actionId}-${episode}`;

/**
 * A MONITOR event the monitor asks the conductor to write: a recovery, a refused target, a
 * failure held (VNF not ACTIVE), an action that failed and will be retried.
 */
export interface MonitorEventInput {
  vnfId: string;
  actionId: string;
  kind: 'recovered' | 'refused' | 'held' | 'gave_up';
  vduName: string;
  instanceId: string;
  ip: string;
  episode?: number;
  detail: string;
}

// ---- the probe loop (a long-running activity on the worker that runs it) ----

/** The control queue that goes with a monitor worker's loop queue. */
export const controlQueueOf = (loopQueue: string): string => `${loopQueue}-ctl`;
/** A monitor worker's own loop queue (its identity under the shared monitor queue). */
export const loopQueueOf = (monitorTaskQueue: string, identity: string): string =>
  `${monitorTaskQueue}@${identity}`;

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
  | {
      kind: 'failure';
      instanceId: string;
      counters: Record<string, TargetCounters>;
      /** Set by the worker: how many VNFs it probes (the correlation scope of its path). */
      workerLoops?: number;
    }
  /** A target in a failure episode reached its success threshold. */
  | { kind: 'recovered'; instanceId: string; counters: Record<string, TargetCounters> }
  | {
      kind: 'stopped';
      reason: 'control' | 'shutdown' | 'renew' | 'cancelled';
      counters: Record<string, TargetCounters>;
    };

export type ProbeLoopControl =
  | { loopId: string; command: 'stop' }
  /** Whether this worker runs the loop (true) or not (false): a lost loop task is replaced. */
  | { loopId: string; command: 'ping' }
  /** The conductor found this worker's probe path unreliable: hand every loop to other workers for a while. */
  | { loopId: string; command: 'quarantine'; untilMs: number; reason: string }
  | {
      loopId: string;
      command: 'update';
      generation: number;
      targets: LoopTarget[];
      /** The workflow's counters; for targets the loop runs already, only `episode` is taken. */
      counters: Record<string, TargetCounters>;
      /** Targets judged afresh: the loop takes their counters from the message whole. */
      reset?: string[];
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
   * control messages) and the heartbeat timeouts of its loops: `heartbeatTimeoutMs` for runs
   * that predate worker presence (their loops' heartbeats are how a dead worker is noticed),
   * `loopHeartbeatTimeoutMs` (long, a backstop) for runs whose monitors the worker's presence
   * workflow tells (workerLost). Workers older than presence answer without the latter.
   */
  pickProbeWorker(): Promise<{
    taskQueue: string;
    controlTaskQueue: string;
    heartbeatTimeoutMs: number;
    loopHeartbeatTimeoutMs?: number;
  }>;
  runProbeLoop(input: ProbeLoopInput): Promise<ProbeLoopResult>;
  /** Delivers a control message to a loop on this worker; false when it is not running here. */
  controlProbeLoop(msg: ProbeLoopControl): Promise<boolean>;
}
