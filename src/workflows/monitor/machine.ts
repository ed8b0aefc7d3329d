// What the monitor decides: a pure state machine. step(state, event, now)
// returns the next state and the commands that carry it out; workflow.ts (the
// shell) turns commands into activities, child workflows and timers, and
// feeds back what happened as events. No Temporal, no I/O, no clock of its
// own, so it is property-tested over thousands of random event sequences
// (test/monitor/machine.property.test.ts) and its states are drawn in
// docs/monitoring.md (checked against TRANSITIONS by a test).
//
// The rules it keeps:
// - an episode always ends: recovery, a new set that replaces the target, the
//   action's outcome (except `log`, whose episode lasts the outage), a lifted
//   hold, or an explicit give-up that writes an event;
// - one policy action per episode, always on the monitor's current generation;
// - probing never waits for the database or the conductor, and one target's
//   failure never waits for another target's action;
// - nothing is probed after a kill; counters of removed targets are dropped;
// - what continue-as-new carries is the whole durable state;
// - a loop on a worker that was lost (workerLost) is abandoned and probing
//   starts again elsewhere at once; news of other workers changes nothing.
import { allowedBy } from '../../net/cidr.js';
import type { PolicyActionName } from '../../monitoring/policy.js';
import type {
  CarriedMonitorState,
  CarriedStateV1,
  Episode,
  LoopTarget,
  MonitoredVdu,
  MonitorEventInput,
  MonitorInput,
  MonitorState,
  MonitorStatus,
  PolicyActionInput,
  PolicyActionOutcome,
  ProbeLoopResult,
  RespawnRecord,
  TargetCounters,
  TargetStatus,
  Vantage,
} from '../../monitoring/contract.js';

/** Kept in the status query and carried across continue-as-new. */
export const HISTORY_KEEP = 20;
/** A loop that failed for another reason than a lost worker is restarted after this pause. */
export const LOOP_RESTART_PAUSE_MS = 5_000;
/** After a policy action fails (its workflow failed for good), the next waits this long, doubling. */
export const ACTION_RETRY_FIRST_MS = 30_000;
export const ACTION_RETRY_MAX_MS = 10 * 60_000;

/**
 * The monitor's life. running: probing and acting; continuing: Temporal suggested
 * continue-as-new and nothing is in flight, the loop is being stopped to carry
 * the state over; stopping: killed or obsolete, the loop is being stopped;
 * stopped: the workflow completes.
 */
export const PHASES = ['running', 'continuing', 'stopping', 'stopped'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * The state diagram: which events move the monitor between MonitorState values
 * (the search attribute and `status`). docs/monitoring.md draws exactly these
 * (test/monitor/state-diagram.test.ts); the property test checks that every
 * change the machine makes is one of them.
 */
export const TRANSITIONS: readonly (readonly [MonitorState | '[*]', MonitorState | '[*]', string])[] = [
  ['[*]', 'WAITING_DELAY', 'start'],
  ['[*]', 'PROBING', 'start (delay over)'],
  ['[*]', 'PAUSED', 'start (paused)'],
  ['[*]', 'HELD', 'start (VNF not ACTIVE)'],
  ['[*]', 'ACTING', 'start (a deferred action due)'],
  ['WAITING_DELAY', 'PROBING', 'monitoring_delay over'],
  ['PROBING', 'WAITING_DELAY', 'update (new targets)'],
  ['PROBING', 'ACTING', 'failure'],
  ['ACTING', 'PROBING', 'outcome ok or stale'],
  ['ACTING', 'WAITING_DELAY', 'outcome with new targets'],
  ['ACTING', 'HELD', 'outcome hold or deferred'],
  ['HELD', 'ACTING', 'failure of another target'],
  ['PROBING', 'HELD', 'update (VNF ERROR)'],
  ['WAITING_DELAY', 'HELD', 'update (VNF ERROR)'],
  ['HELD', 'PROBING', 'update (VNF ACTIVE) or recovery'],
  ['HELD', 'WAITING_DELAY', 'update (VNF ACTIVE)'],
  ['WAITING_DELAY', 'PAUSED', 'pause'],
  ['PROBING', 'PAUSED', 'pause'],
  ['ACTING', 'PAUSED', 'pause'],
  ['HELD', 'PAUSED', 'pause'],
  ['PAUSED', 'WAITING_DELAY', 'resume'],
  ['PAUSED', 'PROBING', 'resume'],
  ['PAUSED', 'ACTING', 'resume (action still running)'],
  ['PAUSED', 'HELD', 'resume'],
  ['WAITING_DELAY', 'STOPPED', 'kill or bad_action'],
  ['PROBING', 'STOPPED', 'kill or bad_action'],
  ['ACTING', 'STOPPED', 'kill, bad_action or stop'],
  ['HELD', 'STOPPED', 'kill or bad_action'],
  ['PAUSED', 'STOPPED', 'kill'],
  ['STOPPED', '[*]', 'complete'],
  ['WAITING_DELAY', '[*]', 'continue-as-new'],
  ['PROBING', '[*]', 'continue-as-new'],
  ['HELD', '[*]', 'continue-as-new'],
  ['PAUSED', '[*]', 'continue-as-new'],
];

export interface LoopRef {
  id: string;
  /** starting: a worker is being picked; running: control messages reach it; stopping: told to stop. */
  status: 'starting' | 'running' | 'stopping';
  taskQueue?: string;
  startedAt: number;
  /** What the loop was last given (loopView), to know when it needs an update. */
  sent: string;
}

export interface ActionRef {
  episode: number;
  instanceId: string;
  vduName: string;
  ip: string;
  action: PolicyActionName;
  /** vnf: the action replaces or removes the whole VNF (respawn, log_and_kill). */
  scope: 'vnf' | 'target';
  startedAt: number;
  /** Where the conductor says the action stands (actionPhase signal). */
  phase?: string;
}

export interface MachineState extends Omit<CarriedMonitorState, 'version'> {
  vnfId: string;
  actionId: string;
  allowedCidrs: string[];
  conductorTaskQueue: string;
  phase: Phase;
  stopReason?: string;
  // ---- transient: empty whenever the machine continues as new ----
  /** Distinguishes this run's loop ids from other runs'. */
  runTag: string;
  loopSeq: number;
  loop?: LoopRef;
  loopRetryAt?: number;
  /** Targets whose counters the running loop must take from us (judged afresh). */
  resets: string[];
  actions: Record<string, ActionRef>;
  writeSeq: number;
  /** Keys of event writes in flight. */
  writes: string[];
  wakeAt?: number;
  canSuggested: boolean;
  published?: { state: MonitorState; generation: number; loopQueue?: string };
  /**
   * This run is told of lost workers (workerLost) and publishes its loop's queue for that
   * (the MONITOR_PRESENCE patch). Runs without it rely on their loops' own heartbeat timeout.
   */
  presence?: boolean;
  /**
   * A failure report that reaches this run late is probed once more before it is acted on (the
   * MONITOR_LATE_RECHECK patch). Runs without it act on every report as it comes.
   */
  lateRecheck?: boolean;
  /** Targets whose late failure report was sent back for one more round, and when (not carried). */
  rechecked?: Record<string, number>;
}

// ---- events and commands ----------------------------------------------------

export type MachineEvent =
  /** A timer the machine asked for fired (or anything else: the machine re-evaluates). */
  | { type: 'tick' }
  | { type: 'kill'; actionId: string }
  | { type: 'pause'; actionId: string }
  | { type: 'resume'; actionId: string }
  | { type: 'update'; actionId: string; generation: number; vdus: MonitoredVdu[]; vnfStatus?: string }
  | { type: 'actionPhase'; actionId: string; episode: number; phase: string; answered?: boolean }
  /** A malformed message (messages.ts says why). */
  | { type: 'ignored'; reason: string }
  | { type: 'loopStarted'; loopId: string; taskQueue: string }
  | { type: 'loopUpdateFailed'; loopId: string }
  /** The monitor worker behind this loop queue stopped answering (its presence workflow says so). */
  | { type: 'workerLost'; taskQueue: string }
  | {
      type: 'loopEnded';
      loopId: string;
      result?: ProbeLoopResult;
      /** How the loop failed, when it did not return. */
      error?: { lostWorker: boolean; cancelled: boolean; message: string };
      /** The failed loop's last heartbeat. */
      counters?: Record<string, TargetCounters>;
    }
  | {
      type: 'actionEnded';
      episode: number;
      outcome?: PolicyActionOutcome;
      /** The action's workflow failed for good. */
      error?: string;
      /** The episode's workflow id was in use (an earlier run's action): take another number. */
      taken?: boolean;
    }
  | { type: 'eventWritten'; key: string; result: 'ok' | 'bad_action' }
  | { type: 'canSuggested' };

export type Command =
  | {
      type: 'startLoop';
      loopId: string;
      generation: number;
      targets: LoopTarget[];
      counters: Record<string, TargetCounters>;
    }
  | {
      type: 'updateLoop';
      loopId: string;
      generation: number;
      targets: LoopTarget[];
      counters: Record<string, TargetCounters>;
      reset: string[];
    }
  | { type: 'stopLoop'; loopId: string }
  /** Forget a loop whose worker is gone: cancel its activity without waiting for anything. */
  | { type: 'abandonLoop'; loopId: string }
  | { type: 'runAction'; request: PolicyActionInput }
  | { type: 'writeEvent'; key: string; event: MonitorEventInput }
  | { type: 'wake'; at: number }
  /** loopQueue (presence runs only): where the loop runs, so a lost worker's monitors can be found. */
  | { type: 'publish'; state: MonitorState; generation: number; loopQueue?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields: Record<string, unknown> }
  | { type: 'continueAsNew'; carried: CarriedMonitorState; generation: number; vdus: MonitoredVdu[] }
  | { type: 'complete'; reason: string };

export interface Step {
  state: MachineState;
  commands: Command[];
}

// ---- helpers ------------------------------------------------------------------

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const fresh = (): TargetCounters => ({ consecutiveFailures: 0, consecutiveSuccesses: 0 });
const VNF_WIDE: readonly PolicyActionName[] = ['respawn', 'log_and_kill'];

export function targetsOf(s: Pick<MachineState, 'vdus'>): LoopTarget[] {
  return s.vdus.flatMap((v) => v.targets.map((t) => ({ ...t, vduName: v.vduName, policy: v.policy })));
}

export const delayEnd = (t: LoopTarget): number =>
  Date.parse(t.bootedAt) + t.policy.parameters.monitoring_delay * 1000;

const sameTarget = (a: LoopTarget, b: LoopTarget): boolean =>
  a.ip === b.ip && a.bootedAt === b.bootedAt && JSON.stringify(a.policy) === JSON.stringify(b.policy);

const allowed = (s: MachineState, t: LoopTarget): boolean => allowedBy(s.allowedCidrs, t.ip);

const vnfWideAction = (s: MachineState): ActionRef | undefined =>
  Object.values(s.actions).find((a) => a.scope === 'vnf');

const actionOn = (s: MachineState, instanceId: string): ActionRef | undefined =>
  Object.values(s.actions).find((a) => a.instanceId === instanceId);

/** Targets the probe loop should run now. */
export function probeTargets(s: MachineState): LoopTarget[] {
  if (s.phase !== 'running' || s.paused || vnfWideAction(s)) return [];
  // A target whose own action runs is not probed: it is being replaced or logged.
  return targetsOf(s).filter((t) => allowed(s, t) && !actionOn(s, t.instanceId));
}

/** Counters as the loop sees them: ours, with the open episode marked. */
function loopCounters(s: MachineState, targets: LoopTarget[]): Record<string, TargetCounters> {
  const out: Record<string, TargetCounters> = {};
  for (const t of targets) {
    const c = { ...(s.counters[t.instanceId] ?? fresh()) };
    delete c.episode;
    const ep = s.episodes[t.instanceId];
    if (ep) c.episode = ep.id;
    out[t.instanceId] = c;
  }
  return out;
}

function loopView(s: MachineState, targets: LoopTarget[]): string {
  return JSON.stringify({
    g: s.generation,
    t: targets.map((t) => [t.instanceId, t.ip, t.bootedAt, t.policy]),
    e: targets.map((t) => s.episodes[t.instanceId]?.id ?? null),
  });
}

// ---- construction and continue-as-new ----------------------------------------

/** The machine for a new run: fresh, continued from a legacy run, or continued from itself. */
export function init(
  input: MonitorInput,
  runTag: string,
  now: number,
  opts: { presence?: boolean; lateRecheck?: boolean } = {},
): MachineState {
  const base = {
    ...(opts.presence ? { presence: true } : {}),
    ...(opts.lateRecheck ? { lateRecheck: true } : {}),
    vnfId: input.vnfId,
    actionId: input.actionId,
    allowedCidrs: input.allowedCidrs,
    conductorTaskQueue: input.conductorTaskQueue,
    phase: 'running' as Phase,
    runTag,
    loopSeq: 0,
    resets: [],
    actions: {},
    writeSeq: 0,
    writes: [],
    canSuggested: false,
  };
  const c = input.carried;
  if (c && 'version' in c && c.version === 2) {
    const { version: _, ...durable } = clone(c);
    return { ...base, ...durable };
  }
  const legacy = c as CarriedStateV1 | undefined;
  const counters: Record<string, TargetCounters> = {};
  const episodes: Record<string, Episode> = {};
  for (const [id, v] of Object.entries(legacy?.counters ?? {})) {
    const { episode, ...rest } = v;
    counters[id] = rest;
    // A legacy episode's action has run (or was lost with that run): it lasts until recovery.
    if (episode !== undefined) episodes[id] = { id: episode, openedAt: now, status: 'acted' };
  }
  const s: MachineState = {
    ...base,
    generation: input.generation,
    vdus: input.vdus,
    paused: legacy?.paused ?? false,
    counters,
    episodes,
    nextEpisode: Math.max(legacy?.nextEpisode ?? 1, input.firstEpisode ?? 1),
    retries: {},
    history: legacy?.history ?? [],
    ...(legacy?.lastAction ? { lastAction: legacy.lastAction } : {}),
    refusedReported: [],
    ignoredMessages: 0,
  };
  if (input.vnfStatus && input.vnfStatus !== 'ACTIVE' && !input.vnfStatus.startsWith('PENDING_'))
    s.hold = { reason: `the VNF is ${input.vnfStatus}`, since: now };
  pruneToSet(s);
  return s;
}

/** The durable state, as continue-as-new carries it. */
export function carry(s: MachineState): CarriedMonitorState {
  return clone({
    version: 2,
    generation: s.generation,
    vdus: s.vdus,
    paused: s.paused,
    ...(s.hold ? { hold: s.hold } : {}),
    counters: s.counters,
    episodes: s.episodes,
    nextEpisode: s.nextEpisode,
    retries: s.retries,
    history: s.history,
    ...(s.lastAction ? { lastAction: s.lastAction } : {}),
    refusedReported: s.refusedReported,
    ignoredMessages: s.ignoredMessages,
    ...(s.lastIgnored !== undefined ? { lastIgnored: s.lastIgnored } : {}),
  });
}

/** The first step of a run: report refused targets, publish the state, start probing. */
export function start(state: MachineState, now: number): Step {
  const s = clone(state);
  const cmds: Command[] = [];
  reportRefused(s, cmds);
  settle(s, now, cmds);
  return { state: s, commands: cmds };
}

// ---- the transition function -----------------------------------------------------

export function step(state: MachineState, ev: MachineEvent, now: number): Step {
  const s = clone(state);
  const cmds: Command[] = [];
  if (s.phase === 'stopped') return { state: s, commands: [] };
  switch (ev.type) {
    case 'tick':
      if (s.wakeAt !== undefined && s.wakeAt <= now) s.wakeAt = undefined;
      if (s.loopRetryAt !== undefined && s.loopRetryAt <= now) s.loopRetryAt = undefined;
      break;
    case 'kill':
    case 'pause':
    case 'resume':
    case 'update':
      if (ev.actionId !== s.actionId) {
        ignore(s, cmds, `${ev.type} for action ${ev.actionId}, not this monitor's ${s.actionId}`);
        break;
      }
      if (ev.type === 'kill') stopWith(s, 'killed');
      else if (ev.type === 'pause') s.paused = true;
      else if (ev.type === 'resume') s.paused = false;
      else if (ev.generation <= s.generation)
        ignore(s, cmds, `update of generation ${ev.generation}, not newer than ${s.generation}`);
      else replaceSet(s, ev.generation, ev.vdus, ev.vnfStatus, now, cmds);
      break;
    case 'ignored':
      ignore(s, cmds, ev.reason);
      break;
    case 'actionPhase': {
      if (ev.actionId !== s.actionId) {
        ignore(s, cmds, `actionPhase for action ${ev.actionId}, not this monitor's ${s.actionId}`);
        break;
      }
      const a = s.actions[String(ev.episode)];
      if (a) a.phase = ev.phase;
      const held = Object.entries(s.episodes).find(([, e]) => e.id === ev.episode && e.status === 'held');
      if (!held) break;
      held[1].reason = ev.phase;
      // Its hold saw the target answer and takes no action for it: without this the episode would
      // wait for a recovery this monitor may never see (its own path failing), acting on nothing.
      if (ev.answered && held[1].holdId !== undefined) closeEpisode(s, held[0], true);
      break;
    }
    case 'loopStarted':
      if (s.loop?.id === ev.loopId && s.loop.status === 'starting') {
        s.loop.status = 'running';
        s.loop.taskQueue = ev.taskQueue;
      }
      break;
    case 'workerLost':
      if (!s.presence) {
        ignore(
          s,
          cmds,
          `workerLost: this run predates worker presence (its loop's heartbeat timeout applies)`,
        );
        break;
      }
      // Only the loop on that worker: a late or foreign message about another queue changes nothing.
      if (s.loop?.taskQueue === ev.taskQueue) {
        cmds.push({
          type: 'log',
          level: 'warn',
          message: 'monitor worker lost; starting the probe loop on another worker',
          fields: { vnfId: s.vnfId, loopId: s.loop.id, taskQueue: ev.taskQueue },
        });
        cmds.push({ type: 'abandonLoop', loopId: s.loop.id });
        // Its counters since the last report are lost with the worker; ours carry on.
        s.loop = undefined;
        s.resets = [];
      }
      break;
    case 'loopUpdateFailed':
      // The loop's worker did not take the message (gone, or the loop just ended): replace the loop.
      if (s.loop?.id === ev.loopId && s.loop.status === 'running') {
        s.loop.status = 'stopping';
        cmds.push({ type: 'stopLoop', loopId: ev.loopId });
      }
      break;
    case 'loopEnded':
      loopEnded(s, ev, now, cmds);
      break;
    case 'actionEnded':
      actionEnded(s, ev, now, cmds);
      break;
    case 'eventWritten':
      s.writes = s.writes.filter((k) => k !== ev.key);
      if (ev.result === 'bad_action') stopWith(s, 'bad_action: the VNF is gone or this monitor is obsolete');
      break;
    case 'canSuggested':
      s.canSuggested = true;
      break;
  }
  settle(s, now, cmds);
  return { state: s, commands: cmds };
}

function ignore(s: MachineState, cmds: Command[], reason: string): void {
  s.ignoredMessages += 1;
  s.lastIgnored = reason;
  cmds.push({ type: 'log', level: 'warn', message: 'message ignored', fields: { vnfId: s.vnfId, reason } });
}

function stopWith(s: MachineState, reason: string): void {
  if (s.phase === 'stopping' || s.phase === 'stopped') return;
  s.phase = 'stopping';
  s.stopReason = reason;
}

/** Drops counters, episodes and retries of targets no longer in the set. */
function pruneToSet(s: MachineState): void {
  const live = new Set(targetsOf(s).map((t) => t.instanceId));
  for (const m of [s.counters, s.episodes, s.retries, s.rechecked ?? {}] as Record<string, unknown>[])
    for (const id of Object.keys(m)) if (!live.has(id)) delete m[id];
  s.resets = s.resets.filter((id) => live.has(id));
}

/** A new monitored set: targets that stay unchanged keep counters and episodes; the rest start afresh. */
function replaceSet(
  s: MachineState,
  generation: number,
  vdus: MonitoredVdu[],
  vnfStatus: string | undefined,
  now: number,
  cmds: Command[],
): void {
  const before = new Map(targetsOf(s).map((t) => [t.instanceId, t]));
  s.generation = generation;
  s.vdus = vdus;
  for (const t of targetsOf(s)) {
    const old = before.get(t.instanceId);
    if (old && sameTarget(old, t)) continue;
    s.counters[t.instanceId] = fresh();
    delete s.episodes[t.instanceId];
    delete s.retries[t.instanceId];
    s.resets.push(t.instanceId);
  }
  pruneToSet(s);
  if (vnfStatus === 'ACTIVE' && s.hold) liftHold(s);
  else if (vnfStatus && vnfStatus !== 'ACTIVE' && !vnfStatus.startsWith('PENDING_') && !s.hold)
    s.hold = { reason: `the VNF is ${vnfStatus}`, since: now };
  reportRefused(s, cmds);
}

function liftHold(s: MachineState): void {
  s.hold = undefined;
  // Failures seen while held are judged afresh now that the VNF is ACTIVE again.
  for (const [id, ep] of Object.entries(s.episodes))
    if (ep.status === 'held' && ep.holdId === undefined) closeEpisode(s, id, true);
}

function closeEpisode(s: MachineState, instanceId: string, judgeAfresh: boolean): void {
  delete s.episodes[instanceId];
  if (judgeAfresh && s.counters[instanceId]) {
    s.counters[instanceId] = { ...s.counters[instanceId], consecutiveFailures: 0, consecutiveSuccesses: 0 };
    if (!s.resets.includes(instanceId)) s.resets.push(instanceId);
  }
}

function reportRefused(s: MachineState, cmds: Command[]): void {
  for (const t of targetsOf(s)) {
    const key = `${t.instanceId}@${t.ip}`;
    if (allowed(s, t) || s.refusedReported.includes(key)) continue;
    s.refusedReported.push(key);
    cmds.push({
      type: 'log',
      level: 'warn',
      message: 'probe target outside the allowed CIDRs',
      fields: { vnfId: s.vnfId, ip: t.ip },
    });
    writeEvent(s, cmds, {
      kind: 'refused',
      vduName: t.vduName,
      instanceId: t.instanceId,
      ip: t.ip,
      detail: `refused to probe ${t.ip}: outside the VIM's allowed CIDRs (${s.allowedCidrs.join(', ')})`,
    });
  }
  s.refusedReported = s.refusedReported.filter((k) =>
    targetsOf(s).some((t) => `${t.instanceId}@${t.ip}` === k),
  );
}

function writeEvent(
  s: MachineState,
  cmds: Command[],
  e: Omit<MonitorEventInput, 'vnfId' | 'actionId'>,
): void {
  const key = `${s.runTag}/e${++s.writeSeq}`;
  s.writes.push(key);
  cmds.push({ type: 'writeEvent', key, event: { vnfId: s.vnfId, actionId: s.actionId, ...e } });
}

// ---- the probe loop's reports ----------------------------------------------------------

function loopEnded(
  s: MachineState,
  ev: Extract<MachineEvent, { type: 'loopEnded' }> & { loopQueue?: string },
  now: number,
  cmds: Command[],
): void {
  if (s.loop?.id !== ev.loopId) return; // an older loop's late news
  ev = { ...ev, ...(s.loop.taskQueue ? { loopQueue: s.loop.taskQueue } : {}) };
  s.loop = undefined;
  const reported = ev.result?.counters ?? ev.counters ?? {};
  const current = new Map(targetsOf(s).map((t) => [t.instanceId, t]));
  for (const [id, c] of Object.entries(reported)) {
    // Counters of targets that left or were judged afresh meanwhile are not taken back.
    if (!current.has(id) || s.resets.includes(id)) continue;
    const { episode: _, ...rest } = c;
    s.counters[id] = rest;
  }
  s.resets = [];
  if (ev.error) {
    if (!ev.error.cancelled && !ev.error.lostWorker) {
      cmds.push({
        type: 'log',
        level: 'warn',
        message: 'probe loop failed; restarting it',
        fields: { vnfId: s.vnfId, error: ev.error.message },
      });
      s.loopRetryAt = now + LOOP_RESTART_PAUSE_MS;
    }
    return;
  }
  const r = ev.result;
  if (!r || r.kind === 'stopped') return;
  // Instance ids are never reused (a recreated instance gets a new one): a report about a
  // target that is no longer in the set is about a replaced instance, and is not acted on.
  const t = current.get(r.instanceId);
  if (!t) return;
  if (r.kind === 'recovered') {
    const ep = s.episodes[t.instanceId];
    if (!ep || ep.status === 'acting') return;
    closeEpisode(s, t.instanceId, false);
    delete s.retries[t.instanceId];
    const c = s.counters[t.instanceId] ?? fresh();
    writeEvent(s, cmds, {
      kind: 'recovered',
      vduName: t.vduName,
      instanceId: t.instanceId,
      ip: t.ip,
      episode: ep.id,
      detail: `${t.ip} answers again (${c.consecutiveSuccesses} healthy round(s)); failure episode ${ep.id} ended`,
    });
    return;
  }
  // failure: the target crossed its failure threshold outside any episode.
  if (s.episodes[t.instanceId] || s.paused || s.phase === 'stopping') return;
  if (recheckLate(s, t, now)) return;
  const vantage = ev.loopQueue
    ? { taskQueue: ev.loopQueue, vnfs: r.kind === 'failure' ? (r.workerLoops ?? 0) : 0 }
    : undefined;
  openEpisode(s, t, now, cmds, vantage);
}

/**
 * A report is late when it reaches the monitor more than this after its failed round: a backlog
 * of tens of seconds, not the few seconds a busy worker takes (period + 5 s, at least 15 s).
 */
export function lateAfterMs(periodS: number): number {
  return Math.max(periodS * 1000 + 5_000, 15_000);
}
/** A second late report within this of the first recheck is acted on. */
const RECHECK_MEMORY_MS = 300_000;

/**
 * A failure report that reaches the monitor well after its failed round (a monitor worker's
 * backlog after a blip of a large fleet: minutes, for thousands of reports) goes back for one
 * more round before it opens an episode: by then most of those targets answer again, and each
 * action would have cost the conductor a workflow and a probe. Its counters stay one failure
 * short of the threshold, so a target that still fails is reported again after one round, fresh;
 * a report late again after its recheck is acted on — a monitor that is always behind still acts.
 */
function recheckLate(s: MachineState, t: LoopTarget, now: number): boolean {
  if (!s.lateRecheck) return false;
  const id = t.instanceId;
  const c = s.counters[id];
  const before = s.rechecked?.[id];
  if (s.rechecked) delete s.rechecked[id];
  if (!c || !late(t, c, now) || (before !== undefined && now - before <= RECHECK_MEMORY_MS)) return false;
  (s.rechecked ??= {})[id] = now;
  s.counters[id] = { ...c, consecutiveFailures: Math.max(0, t.policy.parameters.failure_threshold - 1) };
  return true;
}

function late(t: LoopTarget, c: TargetCounters, now: number): boolean {
  const probedAt = c.lastProbeAt === undefined ? NaN : Date.parse(c.lastProbeAt);
  return !Number.isNaN(probedAt) && now - probedAt > lateAfterMs(t.policy.parameters.period);
}

/**
 * Whether `ev` is a failure report that reaches the monitor late: the shell takes the
 * MONITOR_LATE_RECHECK patch only then (a patch marker on every monitor run would cost
 * bring-up two history events per VNF).
 */
export function lateFailureReport(s: MachineState, ev: MachineEvent, now: number): boolean {
  if (ev.type !== 'loopEnded' || ev.result?.kind !== 'failure' || s.loop?.id !== ev.loopId) return false;
  const id = ev.result.instanceId;
  const t = targetsOf(s).find((x) => x.instanceId === id);
  const c = ev.result.counters[id];
  return t !== undefined && c !== undefined && late(t, c, now);
}

function openEpisode(s: MachineState, t: LoopTarget, now: number, cmds: Command[], vantage?: Vantage): void {
  const ep: Episode = {
    id: s.nextEpisode++,
    openedAt: now,
    status: 'acting',
    ...(vantage ? { vantage } : {}),
  };
  s.episodes[t.instanceId] = ep;
  const retry = s.retries[t.instanceId];
  if (s.hold) {
    ep.status = 'held';
    ep.reason = s.hold.reason;
    writeEvent(s, cmds, {
      kind: 'held',
      vduName: t.vduName,
      instanceId: t.instanceId,
      ip: t.ip,
      episode: ep.id,
      detail: `${t.ip} failed ${s.counters[t.instanceId]?.consecutiveFailures ?? 0} round(s); no ${t.policy.actions.failure}: ${s.hold.reason} (actions resume once it is ACTIVE)`,
    });
  } else if (vnfWideAction(s)) ep.status = 'covered';
  else if (retry && retry.notBefore > now) {
    ep.status = 'waiting_retry';
    ep.retryAt = retry.notBefore;
  } else startAction(s, t, ep, now, cmds);
}

function startAction(s: MachineState, t: LoopTarget, ep: Episode, now: number, cmds: Command[]): void {
  ep.status = 'acting';
  delete ep.retryAt;
  const action = t.policy.actions.failure;
  const c = s.counters[t.instanceId] ?? fresh();
  s.actions[String(ep.id)] = {
    episode: ep.id,
    instanceId: t.instanceId,
    vduName: t.vduName,
    ip: t.ip,
    action,
    scope: VNF_WIDE.includes(action) ? 'vnf' : 'target',
    startedAt: now,
  };
  cmds.push({
    type: 'runAction',
    request: {
      vnfId: s.vnfId,
      actionId: s.actionId,
      generation: s.generation,
      episode: ep.id,
      vduName: t.vduName,
      instanceId: t.instanceId,
      ip: t.ip,
      action,
      policy: t.policy,
      protocol: 3,
      ...(ep.vantage ? { vantage: ep.vantage } : {}),
      monitorResult: {
        target: t.ip,
        instanceId: t.instanceId,
        consecutiveFailures: c.consecutiveFailures,
        ...(c.lastError !== undefined ? { lastError: c.lastError } : {}),
        ...(c.lastProbeAt !== undefined ? { lastProbeAt: c.lastProbeAt } : {}),
        driver: t.policy.driver,
      },
    },
  });
}

// ---- the conductor's answers --------------------------------------------------------------

function actionEnded(
  s: MachineState,
  ev: Extract<MachineEvent, { type: 'actionEnded' }>,
  now: number,
  cmds: Command[],
): void {
  const a = s.actions[String(ev.episode)];
  if (!a) return;
  delete s.actions[String(ev.episode)];
  const open = s.episodes[a.instanceId]?.id === a.episode ? s.episodes[a.instanceId] : undefined;
  if (ev.taken) {
    // Another run's action holds this episode's workflow id: same failure, next number.
    // Acted on at once by settle() unless paused or held meanwhile.
    if (!open) return;
    open.id = s.nextEpisode++;
    open.status = 'waiting_retry';
    open.retryAt = now;
    return;
  }
  const outcome: PolicyActionOutcome = ev.outcome ?? {
    result: 'ok',
    generation: s.generation,
    vdus: s.vdus,
    detail: '',
  };
  const detail =
    ev.error !== undefined ? `action failed: ${ev.error}` : `${outcome.result}: ${outcome.detail}`;
  const record: RespawnRecord = {
    at: new Date(now).toISOString(),
    episode: a.episode,
    action: a.action,
    vduName: a.vduName,
    instanceId: a.instanceId,
    ip: a.ip,
    outcome: detail,
  };
  s.lastAction = record;
  s.history = [...s.history, record].slice(-HISTORY_KEEP);

  // Targets a VNF-wide action covered are judged afresh by its end, whatever it was.
  if (a.scope === 'vnf')
    for (const [id, ep] of Object.entries(s.episodes)) if (ep.status === 'covered') closeEpisode(s, id, true);

  if (ev.error !== undefined) {
    // Give up on this episode, say so, and let a still failing target open another after a pause.
    const failures = (s.retries[a.instanceId]?.failures ?? 0) + 1;
    const wait = Math.min(ACTION_RETRY_FIRST_MS * 2 ** (failures - 1), ACTION_RETRY_MAX_MS);
    if (open) closeEpisode(s, a.instanceId, true);
    if (targetsOf(s).some((t) => t.instanceId === a.instanceId)) {
      s.retries[a.instanceId] = { failures, notBefore: now + wait };
    }
    cmds.push({
      type: 'log',
      level: 'error',
      message: 'policy action failed',
      fields: { vnfId: s.vnfId, episode: a.episode, error: ev.error },
    });
    writeEvent(s, cmds, {
      kind: 'gave_up',
      vduName: a.vduName,
      instanceId: a.instanceId,
      ip: a.ip,
      episode: a.episode,
      detail: `${a.action} for episode ${a.episode} failed (${ev.error}); if ${a.ip} still fails, it is acted on again in ${Math.round(wait / 1000)} s at the earliest`,
    });
    return;
  }
  switch (outcome.result) {
    case 'bad_action':
    case 'stop':
      stopWith(s, `${outcome.result}: ${outcome.detail}`);
      return;
    case 'deferred':
      // A correlated failure of its VIM or worker: watch it; the conductor acts later, or not at all.
      if (open) {
        open.status = 'held';
        open.reason = outcome.detail;
        open.holdId = outcome.holdId;
      }
      return;
    case 'unconfirmed': {
      // A second vantage saw it answer: judged afresh, and not acted on again before retryAfterMs.
      if (open) closeEpisode(s, a.instanceId, true);
      const failures = (s.retries[a.instanceId]?.failures ?? 0) + 1;
      if (targetsOf(s).some((t) => t.instanceId === a.instanceId))
        s.retries[a.instanceId] = { failures, notBefore: now + outcome.retryAfterMs };
      return;
    }
    case 'ok':
    case 'stale':
    case 'hold': {
      delete s.retries[a.instanceId];
      if (outcome.generation > s.generation)
        replaceSet(s, outcome.generation, outcome.vdus, undefined, now, cmds);
      if (outcome.result === 'hold' && !s.hold) s.hold = { reason: outcome.detail, since: now };
      const still = s.episodes[a.instanceId]?.id === a.episode ? s.episodes[a.instanceId] : undefined;
      if (!still) return; // the target was replaced: its episode ended with the old set
      if (outcome.result === 'hold') {
        still.status = 'held';
        still.reason = outcome.detail;
      }
      // One action per outage: an action that left the target in place (log) keeps the episode until recovery.
      else if (outcome.result === 'ok') still.status = 'acted';
      else closeEpisode(s, a.instanceId, true);
      return;
    }
  }
}

// ---- what follows from the state -------------------------------------------------------------

/** Brings loop, deferred actions, continue-as-new, completion and the published state in line. */
function settle(s: MachineState, now: number, cmds: Command[]): void {
  // Deferred actions whose time has come.
  if (s.phase === 'running' && !s.paused) {
    for (const t of targetsOf(s)) {
      const ep = s.episodes[t.instanceId];
      if (ep?.status !== 'waiting_retry' || (ep.retryAt ?? 0) > now) continue;
      if (s.hold) ep.status = 'held';
      else if (vnfWideAction(s)) ep.status = 'covered';
      else startAction(s, t, ep, now, cmds);
    }
  }
  // Continue-as-new once nothing is in flight that the new run could not pick up.
  if (s.phase === 'running' && s.canSuggested && Object.keys(s.actions).length === 0 && s.writes.length === 0)
    s.phase = 'continuing';
  // Something started while the loop was stopping for it: probe on, try again once it is done.
  if (s.phase === 'continuing' && (Object.keys(s.actions).length > 0 || s.writes.length > 0))
    s.phase = 'running';

  // The loop.
  const want = probeTargets(s);
  const loop = s.loop;
  if (loop) {
    if (want.length === 0 || s.phase !== 'running') {
      if (loop.status !== 'stopping') {
        loop.status = 'stopping';
        cmds.push({ type: 'stopLoop', loopId: loop.id });
      }
    } else if (loop.status === 'running') {
      const view = loopView(s, want);
      if (view !== loop.sent || s.resets.length) {
        loop.sent = view;
        cmds.push({
          type: 'updateLoop',
          loopId: loop.id,
          generation: s.generation,
          targets: want,
          counters: loopCounters(s, want),
          reset: [...s.resets],
        });
        s.resets = [];
      }
    }
  } else if (want.length > 0 && s.phase === 'running' && (s.loopRetryAt ?? 0) <= now) {
    const firstDue = Math.min(...want.map(delayEnd));
    if (firstDue <= now) {
      const id = `${s.vnfId}/${s.runTag}-${++s.loopSeq}`;
      s.loop = { id, status: 'starting', startedAt: now, sent: loopView(s, want) };
      s.resets = [];
      cmds.push({
        type: 'startLoop',
        loopId: id,
        generation: s.generation,
        targets: want,
        counters: loopCounters(s, want),
      });
    }
  }

  // The end of this run.
  if (!s.loop && s.phase === 'continuing') {
    publish(s, cmds, now);
    cmds.push({ type: 'continueAsNew', carried: carry(s), generation: s.generation, vdus: s.vdus });
    return;
  }
  if (!s.loop && s.phase === 'stopping') {
    s.phase = 'stopped';
    publish(s, cmds, now);
    cmds.push({ type: 'complete', reason: s.stopReason ?? 'stopped' });
    return;
  }
  publish(s, cmds, now);
  wake(s, now, cmds);
}

/** MonitorState: what the search attribute and `status` say. */
export function monitorStateOf(s: MachineState, now: number): MonitorState {
  if (s.phase === 'stopped' || s.phase === 'stopping') return 'STOPPED';
  if (s.paused) return 'PAUSED';
  if (Object.keys(s.actions).length) return 'ACTING';
  if (s.hold || Object.values(s.episodes).some((e) => e.status === 'held')) return 'HELD';
  const probeable = targetsOf(s).filter((t) => allowed(s, t));
  if (!s.loop && probeable.length && Math.min(...probeable.map(delayEnd)) > now) return 'WAITING_DELAY';
  return 'PROBING';
}

function publish(s: MachineState, cmds: Command[], now: number): void {
  const state = monitorStateOf(s, now);
  // The last queue a loop ran on stays published until another loop runs elsewhere (one memo
  // update per move, none while healthy); a stale one is harmless (workerLost names a queue).
  const loopQueue = s.presence ? (s.loop?.taskQueue ?? s.published?.loopQueue) : undefined;
  if (
    s.published?.state === state &&
    s.published.generation === s.generation &&
    s.published.loopQueue === loopQueue
  )
    return;
  s.published = { state, generation: s.generation, ...(loopQueue !== undefined ? { loopQueue } : {}) };
  cmds.push({
    type: 'publish',
    state,
    generation: s.generation,
    ...(loopQueue !== undefined ? { loopQueue } : {}),
  });
}

/** Asks for a timer at the next moment the state changes by itself. */
function wake(s: MachineState, now: number, cmds: Command[]): void {
  const times: number[] = [];
  if (s.phase === 'running') {
    if (s.loopRetryAt !== undefined) times.push(s.loopRetryAt);
    const want = probeTargets(s);
    if (!s.loop && want.length) times.push(Math.min(...want.map(delayEnd)));
    if (!s.paused)
      for (const ep of Object.values(s.episodes))
        if (ep.status === 'waiting_retry' && ep.retryAt !== undefined) times.push(ep.retryAt);
  }
  const future = times.filter((t) => t > now);
  if (!future.length) return;
  const at = Math.min(...future);
  if (s.wakeAt !== undefined && s.wakeAt > now && s.wakeAt <= at) return;
  s.wakeAt = at;
  cmds.push({ type: 'wake', at });
}

// ---- the status query -------------------------------------------------------------------

export function statusOf(s: MachineState, now: number): MonitorStatus {
  const state = monitorStateOf(s, now);
  const targets: TargetStatus[] = targetsOf(s).map((t) => {
    const c = s.counters[t.instanceId] ?? fresh();
    const ep = s.episodes[t.instanceId];
    let ts: TargetStatus['state'] = 'probing';
    if (state === 'STOPPED') ts = 'stopped';
    else if (!allowed(s, t)) ts = 'refused';
    else if (s.paused) ts = 'paused';
    else if (ep?.status === 'acting') ts = 'acting';
    else if (ep?.status === 'held') ts = 'held';
    else if (ep) ts = 'failed';
    else if (now < delayEnd(t)) ts = 'waiting_delay';
    return {
      ...c,
      ...(ep ? { episode: ep.id, episodeStatus: ep.status } : {}),
      ...(ep?.retryAt !== undefined ? { retryAt: new Date(ep.retryAt).toISOString() } : {}),
      ...(ep?.reason !== undefined ? { reason: ep.reason } : {}),
      vduName: t.vduName,
      instanceId: t.instanceId,
      ip: t.ip,
      bootedAt: t.bootedAt,
      driver: t.policy.driver,
      action: t.policy.actions.failure,
      state: ts,
    };
  });
  return {
    vnfId: s.vnfId,
    actionId: s.actionId,
    generation: s.generation,
    state,
    targets,
    ...(s.lastAction ? { lastAction: s.lastAction } : {}),
    history: s.history,
    ...(s.loop?.taskQueue
      ? { loop: { taskQueue: s.loop.taskQueue, startedAt: new Date(s.loop.startedAt).toISOString() } }
      : {}),
    ...(s.stopReason ? { stoppedReason: s.stopReason } : {}),
    ...(s.hold ? { hold: { reason: s.hold.reason, since: new Date(s.hold.since).toISOString() } } : {}),
    actions: Object.values(s.actions).map((a) => ({
      episode: a.episode,
      action: a.action,
      vduName: a.vduName,
      instanceId: a.instanceId,
      startedAt: new Date(a.startedAt).toISOString(),
      ...(a.phase ? { phase: a.phase } : {}),
    })),
    ignoredMessages: s.ignoredMessages,
    ...(s.lastIgnored !== undefined ? { lastIgnored: s.lastIgnored } : {}),
  };
}
